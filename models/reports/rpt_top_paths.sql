-- the most common paths through a session (its first steps, repeats collapsed) per channel
{%- set top_n = var('top_paths_n') %}

-- one row per session with its path (int_session_paths: the steps and how a path is built)
with session_paths as (
    select * from {{ ref('int_session_paths') }}
),

path_counts as (
    select
        channel,
        event_path,
        n_steps,
        count(*) as n_sessions,
        count(case when has_purchase then 1 end) as n_purchase_sessions
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
