{{ persona.base_config(['event_id']) }}
-- every raw mini-program event, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'event_id', 'appid', 'openid', 'unionid', 'phone', 'event_name', 'page_path', 'product_id',
    'event_at', 'ingested_at', 'scene', 'share_from_openid'
] %}
with source as (
    select * from {{ persona.raw_rows('miniprogram', 'miniprogram_events') }}
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
        {{ persona.normalize_phone('phone') }} as phone_normalized,
        {{ persona.parse_utc_timestamp('event_at') }} as event_at_parsed,
        {{ persona.parse_utc_timestamp('ingested_at') }} as ingested_at_parsed
    from cleaned
),

typed as (
    select
        event_id,
        appid,
        {{ persona.scoped_identifier('appid', 'openid') }} as openid,
        unionid,
        phone_normalized as phone,
        {{ persona.phone_status('phone', 'phone_normalized') }} as phone_status,
        {{ persona.normalize_code('event_name', var('vocabulary')['miniprogram_event_name']) }} as event_name,
        {{ persona.in_vocabulary('event_name', var('vocabulary')['miniprogram_event_name']) }} as is_known_event_name,
        {{ persona.scrub_pii('page_path') }} as page_path,
        product_id,
        event_at_parsed as event_at,
        {{ persona.timestamp_reason('event_at', 'event_at_parsed') }} as event_at_reason,
        ingested_at_parsed as ingested_at,
        {{ persona.parse_integer('scene') }} as scene,
        {{ persona.unless_erased(
            'openid', persona.scoped_identifier('appid', 'share_from_openid')
        ) }} as share_from_openid,
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
            case when openid is null and unionid is null and phone is null then 'missing_identifier' end
        ) as quarantine_reason,
        case when not is_known_event_name then 'unknown_vocabulary' end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['event_id'], 'event_at, ingested_at') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_miniprogram__events', 'final') }}
