-- the golden record: one row per OneID (buyers and never-bought prospects) with its surviving
-- attributes, consents, activity span, purchases and channels, as of the as-of date
{%- set fields = [
    'gender', 'birth_on', 'city', 'phone', 'email',
    'member_id', 'member_tier', 'register_channel', 'registered_at',
] %}
{%- set survivorship = persona.customer_survivorship() %}
{%- set pivoted = [] %}
{%- for field in fields %}
    {%- do pivoted.append("max(case when field = '" ~ field ~ "' then value end) as " ~ field) %}
{%- endfor %}
{%- for field in fields if field not in survivorship %}
    {{- exceptions.raise_compiler_error(
        "dim_customers needs field '" ~ field ~ "' in var 'customer_survivorship' (dbt_project.yml)."
    ) }}
{%- endfor %}

with clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

survived as (
    select * from {{ ref('int_customer_attributes_survived') }}
),

consents as (
    select * from {{ ref('int_customer_consents_resolved') }}
),

restrictions as (
    select * from {{ ref('int_customer_restrictions') }}
),

sightings as (
    select * from {{ ref('int_identifier_sightings') }}
    -- a campaign send list is not the person showing up
    where is_linking_source
),

orders as (
    select * from {{ ref('fct_orders') }}
    where one_id is not null
),

events as (
    select * from {{ ref('fct_events') }}
    where one_id is not null
),

city_tiers as (
    select * from {{ ref('city_tiers') }}
),

age_bands as (
    select * from {{ ref('age_bands') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

people as (
    select distinct one_id
    from clusters
    where one_id is not null
),

attributes as (
    select
        one_id,
        {{ pivoted | join(',\n        ') }},
        max(case when field = 'phone' then source end) as phone_source
    from survived
    group by one_id
),

identifiers_seen as (
    {{ persona.unpivot_identifiers('sightings') }}
),

seen as (
    select
        clusters.one_id,
        min(identifiers_seen.first_seen_at) as first_seen_at,
        max(identifiers_seen.last_seen_at) as last_seen_at
    from identifiers_seen
    inner join clusters
        on
            identifiers_seen.identifier_type = clusters.identifier_type
            and identifiers_seen.identifier_value = clusters.identifier_value
    where {{ persona.on_or_before_as_of('identifiers_seen.first_seen_at') }}
    group by clusters.one_id
),

purchases as (
    select
        one_id,
        min(case when is_purchase then order_at end) as first_order_at,
        max(case when is_purchase then order_at end) as last_order_at,
        sum(case when is_purchase then 1 else 0 end) as n_orders,
        sum(net_amount) as total_net_amount
    from orders
    group by one_id
),

channel_use as (
    select distinct
        one_id,
        channel
    from orders
    union
    select distinct
        one_id,
        channel
    from events
    union
    select
        one_id,
        'wecom' as channel
    from consents
    where first_wecom_added_at is not null
),

channels as (
    select
        one_id,
        count(*) as n_channels,
        {{ dbt.listagg('channel', "','", 'order by channel') }} as channels_used
    from channel_use
    group by one_id
),

profiled as (
    select
        people.one_id,
        attributes.gender,
        cast(attributes.birth_on as date) as birth_on,
        attributes.city,
        attributes.phone,
        attributes.phone_source,
        attributes.email,
        attributes.member_id,
        attributes.member_tier,
        attributes.register_channel,
        cast(attributes.registered_at as timestamp) as registered_at
    from people
    left join attributes on people.one_id = attributes.one_id
),

aged as (
    select
        profiled.*,
        {{ persona.age_in_years('profiled.birth_on', 'as_of.as_of_date') }} as age
    from profiled
    cross join as_of
),

final as (
    select
        aged.one_id,
        aged.gender,
        cast(extract(year from aged.birth_on) as integer) as birth_year,
        cast(extract(month from aged.birth_on) as integer) as birth_month,
        cast(aged.age as integer) as age,
        age_bands.age_band,
        aged.city,
        city_tiers.city_tier,
        city_tiers.city_en,
        -- a member id that holds a phone number, an e-mail or an ID-card number is personal data:
        -- its SHA-256, as dim_identifiers shows it
        {{ persona.public_identifier_value(
            "'member_id'", 'aged.member_id', persona.looks_like_pii('aged.member_id')
        ) }} as member_id,
        aged.member_id is not null as is_member,
        aged.member_tier,
        aged.register_channel,
        aged.registered_at,
        seen.first_seen_at,
        seen.last_seen_at,
        purchases.first_order_at,
        purchases.last_order_at,
        cast(coalesce(purchases.n_orders, 0) as bigint) as n_orders,
        cast(coalesce(purchases.total_net_amount, 0) as decimal(18, 2)) as total_net_amount,
        cast(coalesce(channels.n_channels, 0) as integer) as n_channels,
        channels.channels_used,
        coalesce(consents.is_sms_opt_in, false) as is_sms_opt_in,
        coalesce(consents.is_email_opt_in, false) as is_email_opt_in,
        consents.consent_updated_at,
        coalesce(consents.has_wecom, false) as has_wecom,
        restrictions.one_id is not null as is_restricted,
        {{ persona.sha256('aged.phone') }} as phone_sha256,
        {{ persona.identifier_display("'phone'", 'aged.phone', 'true') }} as phone_masked,
        aged.phone_source,
        {{ persona.sha256('aged.email') }} as email_sha256,
        {{ persona.identifier_display("'email'", 'aged.email', 'true') }} as email_masked,
        {{ persona.as_of_date() }} as as_of_date
    from aged
    left join age_bands
        on
            aged.age >= age_bands.min_age
            and (age_bands.max_age is null or aged.age <= age_bands.max_age)
    left join city_tiers
        on
            aged.city = city_tiers.city
            -- the same city written with its suffix (上海市)
            or aged.city = {{ dbt.concat(['city_tiers.city', "'市'"]) }}
    left join seen on aged.one_id = seen.one_id
    left join purchases on aged.one_id = purchases.one_id
    left join channels on aged.one_id = channels.one_id
    left join consents on aged.one_id = consents.one_id
    left join restrictions on aged.one_id = restrictions.one_id
)

select * from final
