-- funnel counts never increase from one step to the next (per channel and period)
with funnel as (
    select * from {{ ref('rpt_funnel_by_channel') }}
),

compared as (
    select
        channel,
        period,
        step_number,
        n_sessions,
        lag(n_sessions) over (partition by channel, period order by step_number) as n_previous_step
    from funnel
)

select * from compared
where n_sessions > n_previous_step
