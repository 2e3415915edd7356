{#- DuckDB: incremental by person (macros/core/events_daily.sql): a daily build computes again the
    people whose events changed or crossed one of the time windows, unless the catalog changed.
    A feature over a new time window must add its days to `windows`. -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'events_people': {
        'reads': ['fct_events', 'fct_sessions'], 'windows': [3, 7, 30, 90, 365], 'unless_files': ['products']
    }},
    pre_hook=["{{ persona.events_people_prepare() }}"],
    post_hook=["{{ persona.events_copy_finish(set_as_of=false) }}"],
) }}
{%- endif %}
-- how each person uses the web shop, app and mini-program (events and sessions up to the as-of date)
-- one row per OneID seen there
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

-- read again by each aggregate below, not held whole (persona.not_materialized: 3x faster at 1M)
events as {{ persona.not_materialized() }} (
    select
        fct_events.one_id,
        fct_events.channel,
        fct_events.event_type,
        fct_events.product_id,
        fct_events.device_type,
        fct_events.event_at,
        cast(fct_events.event_at as date) as event_on,
        extract(hour from fct_events.event_at_local) as local_hour,
        {{ persona.iso_weekday('fct_events.event_at_local') }} as local_iso_weekday,
        {{ dbt.datediff('cast(fct_events.event_at as date)', 'as_of.as_of_date', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('fct_events') }} as fct_events
    cross join as_of
    where fct_events.one_id is not null {{ persona.events_people_filter('fct_events') }}
),

sessions as (
    select
        fct_sessions.one_id,
        fct_sessions.n_product_views,
        fct_sessions.duration_seconds,
        fct_sessions.has_add_to_cart,
        fct_sessions.has_checkout,
        fct_sessions.has_purchase,
        fct_sessions.is_cart_abandoned,
        {{ dbt.datediff('cast(fct_sessions.started_at as date)', 'as_of.as_of_date', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('fct_sessions') }} as fct_sessions
    cross join as_of
    where fct_sessions.one_id is not null {{ persona.events_people_filter('fct_sessions') }}
),

products as (
    select
        product_id,
        category_l1
    from {{ ref('stg_catalog__products') }}
),

event_totals as (
    select
        one_id,
        max(event_at) as last_event_at,
        count(distinct case when days_ago < 7 then event_on end) as active_days_7d,
        count(distinct case when days_ago < 30 then event_on end) as active_days_30d,
        count(distinct case when days_ago < 90 then event_on end) as active_days_90d,
        sum(case when days_ago < 3 and event_type = 'product_view' then 1 else 0 end) as product_views_3d,
        sum(case when days_ago < 30 and event_type = 'product_view' then 1 else 0 end) as product_views_30d,
        sum(case when days_ago < 365 and event_type = 'product_view' then 1 else 0 end) as product_views_365d,
        sum(case when days_ago < 3 and event_type = 'search' then 1 else 0 end) as searches_3d,
        sum(case when days_ago < 30 and event_type = 'search' then 1 else 0 end) as searches_30d,
        sum(case when days_ago < 90 and event_type = 'search' then 1 else 0 end) as searches_90d,
        sum(case when days_ago < 30 and event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts_30d,
        sum(case when days_ago < 30 and event_type = 'favorite' then 1 else 0 end) as favorites_30d,
        sum(case when days_ago < 90 and event_type = 'favorite' then 1 else 0 end) as favorites_90d,
        sum(case when days_ago < 365 and event_type = 'share' then 1 else 0 end) as shares_365d,
        sum(case when days_ago < 365 then 1 else 0 end) as events_365d,
        sum(case when days_ago < 365 and channel = 'app' then 1 else 0 end) as app_events_365d,
        sum(case when days_ago < 365 and channel = 'miniprogram' then 1 else 0 end) as miniprogram_events_365d,
        sum(case when days_ago < 365 and channel = 'web' then 1 else 0 end) as web_events_365d,
        sum(case when days_ago < 365 and local_hour >= 6 and local_hour < 12 then 1 else 0 end) as morning_events_365d,
        sum(case when days_ago < 365 and local_hour >= 12 and local_hour < 18 then 1 else 0 end)
            as afternoon_events_365d,
        sum(case when days_ago < 365 and local_hour >= 18 then 1 else 0 end) as evening_events_365d,
        sum(case when days_ago < 365 and local_hour < 6 then 1 else 0 end) as night_events_365d,
        sum(case when days_ago < 365 and local_iso_weekday >= 6 then 1 else 0 end) as weekend_events_365d
    from events
    group by one_id
),

-- the device with the most events in the last 365 days
devices as (
    select
        one_id,
        device_type,
        row_number() over (
            partition by one_id order by count(*) desc, max(event_at) desc, device_type asc
        ) as device_rank
    from events
    where days_ago < 365 and device_type is not null
    group by one_id, device_type
),

-- the product category viewed most in the last 90 days
viewed_categories as (
    select
        events.one_id,
        products.category_l1,
        row_number() over (
            partition by events.one_id order by count(*) desc, max(events.event_at) desc, products.category_l1 asc
        ) as view_rank
    from events
    inner join products on events.product_id = products.product_id
    where events.event_type = 'product_view' and events.days_ago < 90 and products.category_l1 is not null
    group by events.one_id, products.category_l1
),

-- views of one product in the last 7 days (the most-viewed product counts)
product_views_7d as (
    select
        one_id,
        max(n_views) as max_views_one_product_7d
    from (
        select
            one_id,
            product_id,
            count(*) as n_views
        from events
        where event_type = 'product_view' and days_ago < 7
        group by one_id, product_id
    ) as per_product
    group by one_id
),

-- decision time: from the first view of a product (within 30 days before) to its purchase
purchase_decisions as (
    select
        bought.one_id,
        bought.event_at as purchased_at,
        bought.product_id,
        min(viewed.event_at) as first_viewed_at
    from events as bought
    inner join events as viewed
        on
            bought.one_id = viewed.one_id
            and bought.product_id = viewed.product_id
            and viewed.event_type = 'product_view'
            and bought.event_at >= viewed.event_at
            and bought.event_at <= {{ dbt.dateadd('day', 30, 'viewed.event_at') }}
    where bought.event_type = 'purchase'
    group by bought.one_id, bought.event_at, bought.product_id
),

decision_times as (
    select
        one_id,
        percentile_cont(0.5) within group (
            order by {{ dbt.datediff('first_viewed_at', 'purchased_at', 'minute') }} / 60.0  -- noqa: LT05
        ) as median_decision_hours
    from purchase_decisions
    group by one_id
),

session_totals as (
    select
        one_id,
        sum(case when days_ago < 30 then 1 else 0 end) as sessions_30d,
        sum(case when days_ago < 3 and n_product_views > 0 then 1 else 0 end) as browse_sessions_3d,
        sum(case when days_ago < 30 and n_product_views > 0 then 1 else 0 end) as browse_sessions_30d,
        max(case when days_ago < 7 and is_cart_abandoned then 1 else 0 end) as cart_abandoned_7d,
        max(case when days_ago < 7 and has_checkout and not has_purchase then 1 else 0 end) as checkout_abandoned_7d,
        sum(case when days_ago < 90 and has_add_to_cart then 1 else 0 end) as cart_sessions_90d,
        sum(case when days_ago < 90 and is_cart_abandoned then 1 else 0 end) as abandoned_cart_sessions_90d,
        sum(case when days_ago < 90 then 1 else 0 end) as sessions_90d,
        sum(case when days_ago < 90 and has_purchase then 1 else 0 end) as purchase_sessions_90d,
        avg(case when days_ago < 90 then duration_seconds end) / 60.0 as average_session_minutes_90d
    from sessions
    group by one_id
),

final as (
    select
        event_totals.*,
        coalesce(session_totals.sessions_30d, 0) as sessions_30d,
        coalesce(session_totals.sessions_90d, 0) as sessions_90d,
        coalesce(session_totals.browse_sessions_3d, 0) as browse_sessions_3d,
        coalesce(session_totals.browse_sessions_30d, 0) as browse_sessions_30d,
        coalesce(session_totals.cart_abandoned_7d, 0) = 1 as has_abandoned_cart_7d,
        coalesce(session_totals.checkout_abandoned_7d, 0) = 1 as has_abandoned_checkout_7d,
        coalesce(session_totals.cart_sessions_90d, 0) as cart_sessions_90d,
        coalesce(session_totals.abandoned_cart_sessions_90d, 0) as abandoned_cart_sessions_90d,
        coalesce(session_totals.purchase_sessions_90d, 0) as purchase_sessions_90d,
        cast(session_totals.average_session_minutes_90d as double) as average_session_minutes_90d,
        devices.device_type as main_device,
        viewed_categories.category_l1 as most_viewed_category_90d,
        coalesce(product_views_7d.max_views_one_product_7d, 0) as max_views_one_product_7d,
        cast(decision_times.median_decision_hours as double) as median_decision_hours
    from event_totals
    left join session_totals on event_totals.one_id = session_totals.one_id
    left join devices on event_totals.one_id = devices.one_id and devices.device_rank = 1
    left join viewed_categories on event_totals.one_id = viewed_categories.one_id and viewed_categories.view_rank = 1
    left join product_views_7d on event_totals.one_id = product_views_7d.one_id
    left join decision_times on event_totals.one_id = decision_times.one_id
)

select * from final
