{#- DuckDB: incremental, aggregating the sessions int_events_sessionized rewrote (macros/core/events_daily.sql) -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ persona.events_copy_prepare('session_id') }}"],
    post_hook=["{{ persona.events_copy_finish() }}"],
) }}
{%- endif %}
-- one row per session (events of one person or device on one channel without a 30-minute gap)
-- aggregated from the sessionized events (the rows of fct_events); a daily build aggregates the
-- sessions of the owners whose events changed: all of a session's events belong to one owner
with events as (
    {{ persona.events_copied_rows() }}
),

sessions as (
    select
        session_id,
        channel,
        max(one_id) as one_id,
        min(device_type) as device_type,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as n_events,
        sum(case when event_type = 'product_view' then 1 else 0 end) as n_product_views,
        max(case when event_type = 'search' then 1 else 0 end) = 1 as has_search,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_add_to_cart,
        max(case when event_type = 'checkout' then 1 else 0 end) = 1 as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) = 1 as has_purchase
    from events
    group by session_id, channel
),

final as (
    select
        session_id,
        channel,
        one_id,
        device_type,
        started_at,
        ended_at,
        {{ dbt.datediff('started_at', 'ended_at', 'second') }} as duration_seconds,  -- noqa: LT05
        cast(n_events as bigint) as n_events,
        cast(n_product_views as bigint) as n_product_views,
        has_search,
        has_add_to_cart,
        has_checkout,
        has_purchase,
        has_add_to_cart and not has_purchase as is_cart_abandoned,
        {{ persona.as_of_date() }} as as_of_date
    from sessions
)

select * from final
