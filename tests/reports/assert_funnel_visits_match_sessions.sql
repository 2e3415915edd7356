-- the funnel's visits (period all) are every session of the channel, and the months add up to it
with funnel as (
    select * from {{ ref('rpt_funnel_by_channel') }}
    where step = 'visit'
),

sessions as (
    select
        channel,
        count(*) as n_sessions
    from {{ ref('fct_sessions') }}
    group by channel
),

funnel_totals as (
    select
        channel,
        sum(case when period = 'all' then n_sessions else 0 end) as n_all,
        sum(case when period <> 'all' then n_sessions else 0 end) as n_months
    from funnel
    group by channel
)

select
    sessions.channel,
    sessions.n_sessions,
    funnel_totals.n_all,
    funnel_totals.n_months
from sessions
full outer join funnel_totals on sessions.channel = funnel_totals.channel
where
    coalesce(sessions.n_sessions, 0) <> coalesce(funnel_totals.n_all, 0)
    or coalesce(sessions.n_sessions, 0) <> coalesce(funnel_totals.n_months, 0)
