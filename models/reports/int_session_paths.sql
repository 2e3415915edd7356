{#- DuckDB: incremental, the paths of the sessions int_events_sessionized rewrote (macros/core/events_daily.sql) -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=["{{ persona.events_copy_prepare('session_id') }}"],
    post_hook=["{{ persona.events_copy_finish(set_as_of=false) }}"],
) }}
{%- endif %}
-- the path through each session (its first var('top_paths_steps') steps, repeats collapsed), for rpt_top_paths;
-- a daily build computes the paths of the sessions it rewrote: all of a session's events belong to one owner
{%- set max_steps = var('top_paths_steps') %}

with events as (
    {{ persona.events_copied_rows() }}
),

ordered as (
    select
        session_id,
        channel,
        coalesce(event_type, 'other') as event_type,
        event_at,
        event_id,
        lag(coalesce(event_type, 'other')) over (partition by session_id order by event_at, event_id)
            as previous_event_type
    from events
),

-- a step is an event whose type differs from the one before it (three product views in a row are one
-- step); every type of a session starts a step, so its steps say whether it purchased (as
-- fct_sessions.has_purchase does) and the path is its first steps in order
steps as (
    select
        session_id,
        channel,
        event_type,
        row_number() over (partition by session_id order by event_at, event_id) as step_number
    from ordered
    where previous_event_type is null or previous_event_type <> event_type
),

-- the path is assembled from its first steps by position (a plain aggregate, which spills to disk
-- at a million members; an ordered string aggregate over every session did not)
final as (
    select
        session_id,
        channel,
        cast(case when count(*) > {{ max_steps }} then {{ max_steps }} else count(*) end as integer) as n_steps,
        max(case when step_number = 1 then event_type end)
        {%- for step in range(2, max_steps + 1) %}
            || coalesce(' > ' || max(case when step_number = {{ step }} then event_type end), '')
        {%- endfor %} as event_path,
        max(case when event_type = 'purchase' then 1 else 0 end) = 1 as has_purchase
    from steps
    group by session_id, channel
)

select * from final
