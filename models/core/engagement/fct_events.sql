{#- DuckDB: incremental, copying the events int_events_sessionized rewrote (macros/core/events_daily.sql) -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ persona.events_copy_prepare('event_id') }}"],
    post_hook=["{{ persona.events_copy_finish() }}"],
) }}
{%- endif %}
-- one row per web, app or mini-program event, with its OneID, session and product, up to the as-of date
with events as (
    {{ persona.events_copied_rows() }}
),

final as (
    select
        event_id,
        channel,
        one_id,
        session_id,
        event_name,
        event_type,
        product_id,
        search_term,
        device_type,
        event_at,
        {{ persona.utc_to_local('event_at') }} as event_at_local,
        {{ persona.as_of_date() }} as as_of_date
    from events
)

select * from final
