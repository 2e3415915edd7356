{{ config(materialized="view") }}
-- web, app and mini-program events in one shape, with their OneID and device, up to the as-of date
-- a view: fct_events, through int_events_sessionized, is the one table the event rows are copied into
with web as (
    select
        {{ dbt.concat(["'web:'", 'events.event_id']) }} as event_id,
        'web' as channel,
        {{ persona.one_id_coalesce('stg_web__events') }} as one_id,
        {{ dbt.concat(["'cookie_id:'", 'events.cookie_id']) }} as device_key,
        events.event_type as event_name,
        events.product_id,
        events.search_term,
        case
            when events.user_agent like '%MicroMessenger%' then 'wechat_browser'
            when events.user_agent like '%iPhone%' or events.user_agent like '%iPad%' then 'ios'
            when events.user_agent like '%Android%' then 'android'
            when events.user_agent is null then 'unknown'
            else 'desktop'
        end as device_type,
        events.event_at
    from {{ ref('stg_web__events') }} as events
    {{ persona.one_id_joins('stg_web__events', 'events') }}
),

app as (
    select
        {{ dbt.concat(["'app:'", 'events.event_id']) }} as event_id,
        'app' as channel,
        {{ persona.one_id_coalesce('stg_app__events') }} as one_id,
        {{ dbt.concat(["'device_id:'", 'events.device_id']) }} as device_key,
        events.event_name,
        events.product_id,
        cast(null as {{ dbt.type_string() }}) as search_term,
        coalesce(events.platform, 'unknown') as device_type,
        events.event_at
    from {{ ref('stg_app__events') }} as events
    {{ persona.one_id_joins('stg_app__events', 'events') }}
),

miniprogram as (
    select
        {{ dbt.concat(["'miniprogram:'", 'events.event_id']) }} as event_id,
        'miniprogram' as channel,
        {{ persona.one_id_coalesce('stg_miniprogram__events') }} as one_id,
        {{ dbt.concat(["'openid:'", 'events.openid']) }} as device_key,
        events.event_name,
        events.product_id,
        cast(null as {{ dbt.type_string() }}) as search_term,
        'wechat_miniprogram' as device_type,
        events.event_at
    from {{ ref('stg_miniprogram__events') }} as events
    {{ persona.one_id_joins('stg_miniprogram__events', 'events') }}
),

unioned as (
    select * from web
    union all
    select * from app
    union all
    select * from miniprogram
),

final as (
    select
        event_id,
        channel,
        one_id,
        device_key,
        event_name,
        case
            when event_name in ('app_open', 'mp_open') then 'open'
            when {{ persona.in_list('event_name', [
                    'page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase', 'share', 'favorite'
                ]) }} then event_name
            else 'other'
        end as event_type,
        product_id,
        search_term,
        device_type,
        event_at
    from unioned
    where {{ persona.on_or_before_as_of('event_at') }}
)

select * from final
