{{ persona.base_config(['request_id'], schema='privacy') }}
-- every raw data-subject request, typed, with its identifier kept only as a SHA-256 digest of the
-- normal form (the value itself never leaves the raw view), and the reason it cannot be staged.
-- Kept in the schema `privacy` and never purged: a request outlives the person it erases (a second
-- request by the same person is reported as person_already_erased, not lost)
{%- set raw_columns = ['request_id', 'identifier_type', 'identifier_value', 'request_type', 'requested_at'] %}
with source as (
    select * from {{ persona.raw_rows('privacy', 'erasure_requests') }}
),

cleaned as (
    select
        {{ persona.clean_strings(raw_columns) }},
        _raw_file,
        _raw_row_number
    from source
),

normalized as (
    select
        request_id,
        {{ persona.normalize_code('identifier_type') }} as identifier_type,
        {{ persona.normalize_identifier(persona.normalize_code('identifier_type'), 'identifier_value') }}
            as identifier_normal_form,
        identifier_value is not null as has_identifier_value,
        {{ persona.normalize_code('request_type') }} as request_type,
        {{ persona.in_vocabulary('request_type', var('vocabulary')['request_type']) }} as is_known_request_type,
        {{ persona.parse_utc_timestamp('requested_at') }} as requested_at,
        {{ persona.timestamp_reason('requested_at', persona.parse_utc_timestamp('requested_at')) }}
            as requested_at_reason,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

typed as (
    select
        request_id,
        identifier_type,
        {{ persona.identifier_digest('identifier_type', 'identifier_normal_form') }} as identifier_digest,
        request_type,
        requested_at,
        coalesce(
            case when request_id is null then 'missing_key' end,
            case when not has_identifier_value then 'missing_identifier' end,
            case when identifier_normal_form is null then 'unusable_identifier' end,
            case when not is_known_request_type then 'unusable_code' end,
            -- a request dated in the future is still a request: it applies at once
            case when requested_at_reason != 'future_timestamp' then requested_at_reason end
        ) as quarantine_reason,
        _content_hash,
        _raw_file,
        _raw_row_number
    from normalized
),

checked as {{ persona.materialized() }} (
    select
        *,
        request_id as record_key,
        cast(null as {{ dbt.type_string() }}) as flag_reason
    from typed
),

-- one row per request id: the first copy received
{{ persona.with_duplicate_flags('checked', ['request_id'], 'requested_at asc') }}

select * from final
