{{ persona.base_config(['wecom_userid']) }}
-- every raw WeCom contact, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'external_userid', 'unionid', 'staff_id', 'remark_phone', 'added_at', 'deleted_at'
] %}
with source as (
    select * from {{ persona.raw_rows('wecom', 'wecom_contacts') }}
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
        external_userid as wecom_userid,
        unionid,
        {{ persona.scrub_pii('staff_id') }} as staff_id,
        {{ persona.normalize_phone('remark_phone') }} as remark_phone,
        {{ persona.phone_status('remark_phone') }} as remark_phone_status,
        {{ persona.parse_utc_timestamp('added_at') }} as added_at,
        {{ persona.parse_utc_timestamp('deleted_at') }} as deleted_at_parsed,
        {{ persona.timestamp_reason(
            'deleted_at', persona.parse_utc_timestamp('deleted_at'), required=false
        ) }} as deleted_at_reason,
        coalesce(
            case when external_userid is null then 'missing_key' end,
            {{ persona.timestamp_reason('added_at', persona.parse_utc_timestamp('added_at')) }}
        ) as quarantine_reason,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        wecom_userid as record_key,
        case when deleted_at_reason is null then deleted_at_parsed end as deleted_at,
        case when deleted_at_reason is not null then 'invalid_value' end as flag_reason
    from typed
),

-- one row per customer: the latest addition (a re-added customer keeps one row)
{{ persona.with_duplicate_flags('checked', ['wecom_userid'], 'added_at desc') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_wecom__contacts', 'final') }}
