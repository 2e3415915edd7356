{{ persona.base_config(['event_id']) }}
-- every raw website event, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'event_id', 'cookie_id', 'member_id', 'event_type', 'page_url', 'product_id', 'search_term',
    'event_at', 'user_agent', 'utm_source', 'utm_medium', 'utm_campaign', 'ingested_at',
    'referrer_member_id'
] %}
with source as (
    select * from {{ persona.raw_rows('web', 'web_events') }}
),

cleaned as (
    select
        {{ persona.clean_strings(raw_columns) }},
        _raw_file,
        _raw_row_number
    from source
),

-- the costly parses, once per row: a CASE that names an expression twice computes it twice
parsed as (
    select
        *,
        {{ persona.parse_utc_timestamp('event_at') }} as event_at_parsed,
        {{ persona.parse_utc_timestamp('ingested_at') }} as ingested_at_parsed
    from cleaned
),

typed as (
    select
        event_id,
        cookie_id,
        member_id,
        {{ persona.normalize_code('event_type', var('vocabulary')['web_event_type']) }} as event_type,
        {{ persona.in_vocabulary('event_type', var('vocabulary')['web_event_type']) }} as is_known_event_type,
        {{ persona.scrub_pii('page_url') }} as page_url,
        product_id,
        {{ persona.scrub_pii('search_term') }} as search_term,
        event_at_parsed as event_at,
        {{ persona.timestamp_reason('event_at', 'event_at_parsed') }} as event_at_reason,
        ingested_at_parsed as ingested_at,
        {{ persona.scrub_pii('user_agent') }} as user_agent,
        {{ persona.scrub_pii('utm_source') }} as utm_source,
        {{ persona.scrub_pii('utm_medium') }} as utm_medium,
        {{ persona.scrub_pii('utm_campaign') }} as utm_campaign,
        {{ persona.unless_erased('member_id', 'referrer_member_id') }} as referrer_member_id,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from parsed
),

checked as {{ persona.materialized() }} (
    select
        *,
        event_id as record_key,
        coalesce(
            case when event_id is null then 'missing_key' end,
            event_at_reason,
            case when cookie_id is null and member_id is null then 'missing_identifier' end
        ) as quarantine_reason,
        case when not is_known_event_type then 'unknown_vocabulary' end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['event_id'], 'event_at, ingested_at') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_web__events', 'final') }}
