{#- DuckDB: incremental by person, computing again the people whose events changed (macros/core/events_daily.sql) -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ persona.events_people_prepare() }}"],
    post_hook=["{{ persona.events_copy_finish(set_as_of=false) }}"],
) }}
{%- endif %}
-- how active each person is on the web shop, app and mini-program: one row per person (OneID) and
-- UTC day with at least one event, up to the as-of date (activity features of the Python models)
with events as (
    select
        one_id,
        cast(event_at as date) as event_on,
        event_type
    from {{ ref('fct_events') }}
    where one_id is not null and {{ persona.on_or_before_as_of('event_at') }} {{ persona.events_people_filter('fct_events') }}  -- noqa: LT05
),

final as (
    select
        one_id,
        event_on as activity_on,
        count(*) as n_events,
        sum(case when event_type = 'product_view' then 1 else 0 end) as n_product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as n_add_to_carts
    from events
    group by one_id, event_on
)

select * from final
