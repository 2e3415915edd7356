{#- DuckDB: incremental by session owner, see macros/core/events_daily.sql; Spark: a table -#}
{%- if target.type == 'duckdb' -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook=["{{ persona.events_forget_owners() }}"],
    post_hook=["{{ persona.events_save_state() }}"],
) }}
{%- else -%}
{{ config(materialized='table') }}
{%- endif %}
-- events grouped into sessions: a new session starts after var('session_timeout_minutes') without an event
-- a daily build sessionizes again only the owners (person, else device) whose events changed
-- the daily path reads these through persona.events_unioned('owners'):
-- depends_on: {{ ref('stg_web__events') }}, {{ ref('stg_app__events') }}, {{ ref('stg_miniprogram__events') }}
-- depends_on: {{ ref('int_identity_clusters') }}, {{ ref('int_identifier_one_id_log') }}, {{ ref('int_as_of_date') }}
with events as (
    {{ persona.events_to_sessionize() }}
),

keyed as (
    select
        *,
        -- a session belongs to the person when known, else to the cookie, device or openid
        coalesce(one_id, device_key) as session_owner
    from events
),

gaps as (
    select
        *,
        lag(event_at) over (partition by channel, session_owner order by event_at, event_id) as previous_event_at
    from keyed
),

starts as (
    select
        *,
        case
            when previous_event_at is null then 1
            when {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > {{ var('session_timeout_minutes') }} * 60 then 1
            else 0
        end as is_session_start
    from gaps
),

numbered as (
    select
        *,
        -- on the daily path an owner's tail numbers its sessions on from those it keeps
        session_offset + sum(is_session_start) over (
            partition by channel, session_owner order by event_at, event_id rows unbounded preceding
        ) as session_number
    from starts
),

final as (
    select
        event_id,
        channel,
        one_id,
        device_key,
        event_name,
        event_type,
        product_id,
        search_term,
        device_type,
        event_at,
        {{ dbt.hash(dbt.concat([
            'channel', "':'", 'session_owner', "':'", dbt.cast('session_number', dbt.type_string())
        ])) }} as session_id,
        _raw_file,
        {{ persona.run_started_at_sql() }} as _built_at
    from numbered
)

select * from final
