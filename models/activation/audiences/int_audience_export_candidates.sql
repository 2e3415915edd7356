-- every row an audience could send to one of its channels (a member with the channel's id), and
-- why it is withheld, if it is: `restricted` (a restriction request), `no_consent` (no consent on
-- file for the channel's purpose and channel, as it stands at build time), `not_separate_consent`
-- (third-party sharing granted without separate consent), `personalisation_refused` (a
-- personalised audience, and the person refused personalisation). The first that applies is kept.
-- fct_audience_exports is the rows withheld for no reason.
-- depends_on: {{ ref('int_audience_rule_members') }}
{%- set audiences = persona.audience_definitions() + persona.lookalike_expansions() %}
{%- set channel_rules = {
    'sms': ('phone_sha256', 'customers.phone_sha256', 'marketing'),
    'email': ('email_sha256', 'customers.email_sha256', 'marketing'),
    'wecom': ('wecom_userid', 'wecom.wecom_userid', 'marketing'),
    'ad_platform': ('phone_sha256', 'customers.phone_sha256', 'third_party_sharing'),
} %}

with members as (
    select * from {{ ref('fct_audience_members') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

consents as (
    select * from {{ ref('dim_customer_consents') }}
),

restrictions as (
    select * from {{ ref('int_customer_restrictions') }}
),

-- a refusal of personalisation on any channel keeps the person out of every personalised list
refusals as (
    select distinct one_id
    from consents
    where purpose = 'personalisation' and not is_consented
),

wecom as (
    select
        one_id,
        max(identifier_value) as wecom_userid
    from {{ ref('dim_identifiers') }}
    where
        identifier_type = 'wecom_userid' and one_id is not null
        -- a WeCom id that holds personal data is shown hashed (not as displayed): WeCom cannot
        -- message a hash, and the raw value may not leave the warehouse, so it is not exported
        and identifier_value = identifier_display
    group by one_id
),

candidates as (
    {%- set branches = [] %}
    {%- for audience in audiences %}
        {%- for channel in audience.channels if channel in channel_rules %}
            {%- do branches.append((audience.code, channel, audience.get('personalised', false))) %}
        {%- endfor %}
    {%- endfor %}
    {%- for audience_code, channel, personalised in branches %}
        {%- set identifier_type, identifier_column, purpose = channel_rules[channel] %}
        select
            members.audience_code,
            '{{ channel }}' as channel,
            members.one_id,
            '{{ identifier_type }}' as identifier_type,
            {{ identifier_column }} as identifier_value,
            '{{ purpose }}' as consent_purpose,
            {{ 'true' if personalised else 'false' }} as is_personalised
        from members
        inner join customers on members.one_id = customers.one_id
        left join wecom on members.one_id = wecom.one_id
        where
            members.audience_code = '{{ audience_code }}'
            and {{ identifier_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as audience_code,
            cast(null as {{ dbt.type_string() }}) as channel,
            cast(null as {{ dbt.type_string() }}) as one_id,
            cast(null as {{ dbt.type_string() }}) as identifier_type,
            cast(null as {{ dbt.type_string() }}) as identifier_value,
            cast(null as {{ dbt.type_string() }}) as consent_purpose,
            false as is_personalised
        where false
    {%- endfor %}
),

final as (
    select
        candidates.audience_code,
        candidates.channel,
        candidates.one_id,
        candidates.identifier_type,
        candidates.identifier_value,
        candidates.consent_purpose,
        candidates.is_personalised,
        consents.legal_basis,
        consents.consent_decision_id,
        case
            when restrictions.one_id is not null then 'restricted'
            when not coalesce(consents.is_consented, false) then 'no_consent'
            when
                candidates.consent_purpose = 'third_party_sharing'
                and coalesce(consents.legal_basis, '') != 'separate_consent'
                then 'not_separate_consent'
            when candidates.is_personalised and refusals.one_id is not null then 'personalisation_refused'
        end as withheld_reason
    from candidates
    left join consents
        on
            candidates.one_id = consents.one_id
            and candidates.consent_purpose = consents.purpose
            and candidates.channel = consents.channel
    left join restrictions on candidates.one_id = restrictions.one_id
    left join refusals on candidates.one_id = refusals.one_id
)

select * from final
