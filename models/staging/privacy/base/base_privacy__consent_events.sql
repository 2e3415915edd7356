{{ persona.base_config(['consent_event_id']) }}
-- every raw consent decision, typed and normalized (the identifier to its normal form), with the
-- reason it cannot be staged (if any)
{%- set raw_columns = [
    'consent_event_id', 'identifier_type', 'identifier_value', 'purpose', 'channel', 'status',
    'legal_basis', 'recorded_at', 'source_system'
] %}
{%- set vocabulary = var('vocabulary') %}
with source as (
    select * from {{ persona.raw_rows('privacy', 'consent_events') }}
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
        consent_event_id,
        {{ persona.normalize_code('identifier_type') }} as identifier_type,
        {{ persona.normalize_identifier(persona.normalize_code('identifier_type'), 'identifier_value') }}
            as identifier_value,
        identifier_value is not null as has_identifier_value,
        {{ persona.normalize_code('purpose') }} as purpose,
        {{ persona.normalize_code('channel') }} as channel,
        {{ persona.normalize_code('status') }} as status,
        {{ persona.normalize_code('legal_basis') }} as legal_basis,
        {{ persona.in_vocabulary('purpose', vocabulary['consent_purpose']) }}
        and {{ persona.in_vocabulary('channel', vocabulary['consent_channel']) }}
        and {{ persona.in_vocabulary('status', vocabulary['consent_status']) }} as is_known_decision,
        {{ persona.in_vocabulary('legal_basis', vocabulary['legal_basis']) }} as is_known_legal_basis,
        {{ persona.parse_utc_timestamp('recorded_at') }} as recorded_at,
        {{ persona.timestamp_reason('recorded_at', persona.parse_utc_timestamp('recorded_at')) }}
            as recorded_at_reason,
        {{ persona.scrub_pii('source_system') }} as source_system,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        consent_event_id,
        identifier_type,
        identifier_value,
        purpose,
        channel,
        status,
        legal_basis,
        recorded_at,
        source_system,
        coalesce(
            case when consent_event_id is null then 'missing_key' end,
            case when not has_identifier_value then 'missing_identifier' end,
            case when identifier_value is null then 'unusable_identifier' end,
            case when not is_known_decision then 'unusable_code' end,
            -- a withdrawal dated in the future applies at once; a grant dated in the future does not
            case
                when not (recorded_at_reason = 'future_timestamp' and status = 'withdrawn')
                    then recorded_at_reason
            end
        ) as quarantine_reason,
        case when not is_known_legal_basis then 'unknown_vocabulary' end as flag_reason,
        consent_event_id as record_key,
        _content_hash,
        _raw_file,
        _raw_row_number
    from typed
),

-- one row per decision id: a withdrawal wins over a grant, then the latest
{{ persona.with_duplicate_flags(
    'checked', ['consent_event_id'], "case when status = 'withdrawn' then 0 else 1 end, recorded_at desc"
) }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_privacy__consent_events', 'final') }}
