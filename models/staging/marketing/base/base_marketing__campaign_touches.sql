{{ persona.base_config(['touch_id']) }}
-- every raw campaign touch, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'touch_id', 'campaign_id', 'channel', 'variant', 'phone', 'device_id', 'openid', 'appid',
    'email', 'sent_at', 'opened_at', 'clicked_at'
] %}
with source as (
    select * from {{ persona.raw_rows('marketing', 'campaign_touches') }}
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
        touch_id,
        campaign_id,
        {{ persona.normalize_code('channel') }} as channel,
        {{ persona.in_vocabulary('channel', var('vocabulary')['touch_channel']) }} as is_known_channel,
        {{ persona.normalize_code('variant') }} as variant,
        {{ persona.in_vocabulary('variant', var('vocabulary')['touch_variant']) }} as is_known_variant,
        {{ persona.normalize_phone('phone') }} as phone,
        {{ persona.phone_status('phone') }} as phone_status,
        {{ persona.normalize_device_id('device_id') }} as device_id,
        {{ persona.device_id_status('device_id') }} as device_id_status,
        appid,
        {{ persona.scoped_identifier('appid', 'openid') }} as openid,
        {{ persona.normalize_email('email') }} as email,
        {{ persona.parse_utc_timestamp('sent_at') }} as sent_at,
        {{ persona.parse_utc_timestamp('opened_at') }} as opened_at_parsed,
        {{ persona.timestamp_reason(
            'opened_at', persona.parse_utc_timestamp('opened_at'), required=false
        ) }} as opened_at_reason,
        {{ persona.parse_utc_timestamp('clicked_at') }} as clicked_at_parsed,
        {{ persona.timestamp_reason(
            'clicked_at', persona.parse_utc_timestamp('clicked_at'), required=false
        ) }} as clicked_at_reason,
        coalesce(
            case
                when touch_id is null
                    or campaign_id is null then 'missing_key'
            end,
            {{ persona.timestamp_reason('sent_at', persona.parse_utc_timestamp('sent_at')) }}
        ) as quarantine_reason,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        touch_id as record_key,
        case when opened_at_reason is null then opened_at_parsed end as opened_at,
        case when clicked_at_reason is null then clicked_at_parsed end as clicked_at,
        case
            when not (is_known_channel and is_known_variant) then 'unknown_vocabulary'
            when coalesce(opened_at_reason, clicked_at_reason) is not null then 'invalid_value'
        end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['touch_id'], '') }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_marketing__campaign_touches', 'final') }}
