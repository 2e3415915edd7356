-- the most common paths through a session (its first steps, repeats collapsed) per channel
{%- set max_steps = var('top_paths_steps') %}
{%- set top_n = var('top_paths_n') %}

with events as (
    select * from {{ ref('fct_events') }}
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
session_paths as (
    select
        session_id,
        channel,
        case when count(*) > {{ max_steps }} then {{ max_steps }} else count(*) end as n_steps,
        max(case when step_number = 1 then event_type end)
        {%- for step in range(2, max_steps + 1) %}
            || coalesce(' > ' || max(case when step_number = {{ step }} then event_type end), '')
        {%- endfor %} as event_path,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase
    from steps
    group by session_id, channel
),

path_counts as (
    select
        channel,
        event_path,
        n_steps,
        count(*) as n_sessions,
        count(case when has_purchase = 1 then 1 end) as n_purchase_sessions
    from session_paths
    group by channel, event_path, n_steps
),

ranked as (
    select
        *,
        sum(n_sessions) over (partition by channel) as n_channel_sessions,
        row_number() over (partition by channel order by n_sessions desc, event_path asc) as path_rank
    from path_counts
),

final as (
    select
        channel,
        cast(path_rank as integer) as path_rank,
        event_path,
        cast(n_steps as integer) as n_steps,
        cast(n_sessions as bigint) as n_sessions,
        1e0 * n_sessions / n_channel_sessions as share_of_sessions,
        1e0 * sum(n_sessions) over (partition by channel order by path_rank rows unbounded preceding)
        / n_channel_sessions as cumulative_share,
        1e0 * n_purchase_sessions / n_sessions as purchase_rate,
        {{ persona.as_of_date() }} as as_of_date
    from ranked
    where path_rank <= {{ top_n }}
)

select * from final
