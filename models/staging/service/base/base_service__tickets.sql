{{ persona.base_config(['ticket_id']) }}
-- every raw service ticket, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'ticket_id', 'channel', 'member_id', 'phone', 'openid', 'appid', 'created_at', 'category',
    'satisfaction_score'
] %}
with source as (
    select * from {{ persona.raw_rows('service', 'cs_tickets') }}
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
        ticket_id,
        {{ persona.normalize_code('channel') }} as channel,
        {{ persona.in_vocabulary('channel', var('vocabulary')['ticket_channel']) }} as is_known_channel,
        member_id,
        {{ persona.normalize_phone('phone') }} as phone,
        {{ persona.phone_status('phone') }} as phone_status,
        appid,
        {{ persona.scoped_identifier('appid', 'openid') }} as openid,
        {{ persona.parse_utc_timestamp('created_at') }} as created_at,
        {{ persona.normalize_code('category') }} as category,
        {{ persona.in_vocabulary('category', var('vocabulary')['ticket_category']) }} as is_known_category,
        {{ persona.parse_integer('satisfaction_score') }} as satisfaction_score_parsed,
        satisfaction_score as satisfaction_score_text,
        coalesce(
            case when ticket_id is null then 'missing_key' end,
            {{ persona.timestamp_reason('created_at', persona.parse_utc_timestamp('created_at')) }}
        ) as quarantine_reason,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        ticket_id as record_key,
        case
            when satisfaction_score_parsed between 1 and 5 then satisfaction_score_parsed
        end as satisfaction_score,
        case
            when not (is_known_channel and is_known_category) then 'unknown_vocabulary'
            when satisfaction_score_text is not null
                and coalesce(satisfaction_score_parsed not between 1 and 5, true) then 'invalid_value'
        end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['ticket_id'], '') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_service__tickets', 'final') }}
