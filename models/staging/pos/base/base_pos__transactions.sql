{{ persona.base_config(['txn_id']) }}
-- every raw till transaction, typed (store-local time to UTC), with the reason it cannot be staged
{%- set raw_columns = [
    'txn_id', 'store_id', 'member_card_no', 'phone', 'txn_at_local', 'txn_amount',
    'discount_amount', 'payment_method', 'is_return', 'time_zone'
] %}
with source as (
    select * from {{ persona.raw_rows('pos', 'pos_transactions') }}
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
        txn_id,
        store_id,
        {{ persona.normalize_member_card('member_card_no') }} as member_card_no,
        {{ persona.normalize_phone('phone') }} as phone,
        {{ persona.phone_status('phone') }} as phone_status,
        {{ persona.parse_local_timestamp('txn_at_local', 'time_zone') }} as txn_at,
        {{ persona.parse_money('txn_amount') }} as txn_amount,
        coalesce({{ persona.parse_money('discount_amount') }}, 0) as discount_amount,
        {{ persona.normalize_code('payment_method') }} as payment_method,
        coalesce({{ persona.parse_boolean('is_return') }}, false) as is_return,
        coalesce(
            case when txn_id is null then 'missing_key' end,
            {{ persona.timestamp_reason(
                'txn_at_local', persona.parse_local_timestamp('txn_at_local', 'time_zone')
            ) }},
            {{ persona.amount_reason('txn_amount') }},
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
        txn_id as record_key,
        cast(null as {{ dbt.type_string() }}) as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['txn_id'], '') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_pos__transactions', 'final') }}
