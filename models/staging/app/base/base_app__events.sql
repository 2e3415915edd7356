{{ persona.base_config(['event_id']) }}
-- every raw app event, typed and normalized (local time to UTC), with the reason it cannot be staged
{%- set raw_columns = [
    'event_id', 'device_id', 'platform', 'member_id', 'login_phone', 'event_name', 'product_id',
    'event_at_local', 'app_version', 'ingested_at', 'time_zone'
] %}
with source as (
    select * from {{ persona.raw_rows('app', 'app_events') }}
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
        {{ persona.normalize_phone('login_phone') }} as login_phone_normalized,
        {{ persona.parse_local_timestamp('event_at_local', 'time_zone') }} as event_at_parsed,
        {{ persona.parse_utc_timestamp('ingested_at') }} as ingested_at_parsed
    from cleaned
),

typed as (
    select
        event_id,
        {{ persona.normalize_device_id('device_id') }} as device_id,
        {{ persona.device_id_status('device_id') }} as device_id_status,
        {{ persona.normalize_code('platform', var('vocabulary')['app_platform']) }} as platform,
        {{ persona.in_vocabulary('platform', var('vocabulary')['app_platform']) }} as is_known_platform,
        member_id,
        login_phone_normalized as login_phone,
        {{ persona.phone_status('login_phone', 'login_phone_normalized') }} as login_phone_status,
        {{ persona.normalize_code('event_name', var('vocabulary')['app_event_name']) }} as event_name,
        {{ persona.in_vocabulary('event_name', var('vocabulary')['app_event_name']) }} as is_known_event_name,
        product_id,
        event_at_parsed as event_at,
        {{ persona.timestamp_reason('event_at_local', 'event_at_parsed') }} as event_at_reason,
        ingested_at_parsed as ingested_at,
        app_version,
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
            case
                when device_id is null and member_id is null and login_phone is null
                    then 'missing_identifier'
            end
        ) as quarantine_reason,
        case when not (is_known_event_name and is_known_platform) then 'unknown_vocabulary' end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['event_id'], 'event_at, ingested_at') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_app__events', 'final') }}
