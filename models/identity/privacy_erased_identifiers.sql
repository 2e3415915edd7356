{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
    schema='privacy',
    alias='erased_identifiers',
    post_hook="{{ persona.apply_erasure() }}",
) }}
-- the suppression list: a SHA-256 digest of every identifier of every person who asked to be erased
-- (and of their orders' keys), appended once per request; its post-hook removes them everywhere
{%- set orders = [
    ('base_ecommerce__orders', 'order_id', {'buyer_id': 'buyer_id', 'member_id': 'member_id', 'phone': 'receiver_phone'}),
    ('base_miniprogram__orders', 'order_id', {'openid': 'openid', 'unionid': 'unionid', 'phone': 'phone'}),
    ('base_pos__transactions', 'txn_id', {'member_card': 'member_card_no', 'phone': 'phone'}),
] %}
with requests as (
    select
        request_id,
        identifier_type,
        identifier_digest,
        requested_at
    from {{ ref('stg_privacy__erasure_requests') }}
    where request_type = 'erasure'
),

clusters as (
    select
        one_id,
        identifier_type,
        identifier_value,
        {{ persona.identifier_digest('identifier_type', 'identifier_value') }} as identifier_digest
    from {{ ref('int_identity_clusters_assigned') }}
),

-- values the guards set aside as shared by many people (a cashier's placeholder phone): a request
-- by one of them cannot say whose data it is, so it suppresses nothing (rpt_privacy_requests says so)
shared as (
    select {{ persona.identifier_digest('identifier_type', 'identifier_value') }} as identifier_digest
    from {{ ref('int_identifiers_screened') }}
    where exclusion_reason is not null
),

-- the person each request resolves to (a request by someone already erased resolves to nobody)
matched as (
    select
        requests.request_id,
        requests.requested_at,
        clusters.one_id
    from requests
    inner join clusters on requests.identifier_digest = clusters.identifier_digest
),

person_identifiers as (
    select
        matched.request_id,
        matched.requested_at,
        clusters.identifier_type,
        clusters.identifier_value,
        clusters.identifier_digest
    from matched
    inner join clusters on matched.one_id = clusters.one_id
),

candidates as (
    select
        request_id,
        requested_at,
        identifier_type,
        identifier_digest,
        'person' as found_by
    from person_identifiers
    union all
    -- the requested identifier itself, even when no row carries it yet: it is never linked later
    select
        request_id,
        requested_at,
        identifier_type,
        identifier_digest,
        'request' as found_by
    from requests
    where identifier_digest not in (select shared.identifier_digest from shared)
    {%- for model_name, key, identifiers in orders %}
        union all
        -- the keys of their {{ model_name }}: the order lines are found by them
        select
            person_identifiers.request_id,
            person_identifiers.requested_at,
            '{{ model_name }}' as identifier_type,
            {{ persona.order_key_digest(model_name, 'orders.' ~ key) }} as identifier_digest,
            'order' as found_by
        from {{ ref(model_name) }} as orders
        inner join person_identifiers
            on
                {%- for identifier_type, column in identifiers.items() %}
                    (
                        person_identifiers.identifier_type = '{{ identifier_type }}'
                        and orders.{{ column }} = person_identifiers.identifier_value
                    ){% if not loop.last %} or{% endif %}
                {%- endfor %}
    {%- endfor %}
),

-- one row per digest, credited to the earliest request that reached it
ranked as (
    select
        *,
        row_number() over (
            partition by identifier_digest
            order by requested_at, request_id, found_by
        ) as request_rank
    from candidates
    where identifier_digest is not null
    {%- if is_incremental() %}
        and identifier_digest not in (select erased.identifier_digest from {{ this }} as erased)
    {%- endif %}
),

final as (
    select
        identifier_digest,
        identifier_type,
        found_by,
        request_id,
        requested_at,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as applied_at,
        '{{ invocation_id }}' as invocation_id
    from ranked
    where request_rank = 1
)

select * from final
