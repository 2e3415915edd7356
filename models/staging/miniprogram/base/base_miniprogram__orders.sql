{{ persona.base_config(['order_id']) }}
-- every raw mini-program order, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'order_id', 'appid', 'openid', 'unionid', 'phone', 'order_at', 'paid_at', 'status',
    'order_amount', 'discount_amount', 'coupon_code'
] %}
with source as (
    select * from {{ persona.raw_rows('miniprogram', 'miniprogram_orders') }}
),

cleaned as (
    select
        {{ persona.clean_strings(raw_columns) }},
        _raw_file,
        _raw_row_number
    from source
),

typed as (
    select
        order_id,
        appid,
        {{ persona.scoped_identifier('appid', 'openid') }} as openid,
        unionid,
        {{ persona.normalize_phone('phone') }} as phone,
        {{ persona.phone_status('phone') }} as phone_status,
        {{ persona.parse_utc_timestamp('order_at') }} as order_at,
        {{ persona.parse_utc_timestamp('paid_at') }} as paid_at_parsed,
        {{ persona.timestamp_reason(
            'paid_at', persona.parse_utc_timestamp('paid_at'), required=false
        ) }} as paid_at_reason,
        {{ persona.normalize_code('status') }} as status,
        {{ persona.in_vocabulary('status', var('vocabulary')['order_status']) }} as is_known_status,
        {{ persona.parse_money('order_amount') }} as order_amount,
        coalesce({{ persona.parse_money('discount_amount') }}, 0) as discount_amount,
        {{ persona.scrub_pii('coupon_code') }} as coupon_code,
        coalesce(
            case when order_id is null then 'missing_key' end,
            {{ persona.timestamp_reason('order_at', persona.parse_utc_timestamp('order_at')) }},
            {{ persona.amount_reason('order_amount') }},
            {{ persona.amount_reason('discount_amount', required=false) }}
        ) as quarantine_reason,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        order_id as record_key,
        -- a wrong payment time does not make the order unusable: it is nulled and flagged
        case when paid_at_reason is null then paid_at_parsed end as paid_at,
        case
            when not is_known_status then 'unknown_vocabulary'
            when paid_at_reason is not null then 'invalid_value'
        end as flag_reason
    from typed
),

-- a copy paid later, then one further along the order's life (refunded over paid), survives
{% set status_rank = persona.vocabulary_rank('status', var('vocabulary')['order_status']) %}
{{ persona.with_duplicate_flags('checked', ['order_id'], 'paid_at desc nulls last, ' ~ status_rank ~ ' desc') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_miniprogram__orders', 'final') }}
