-- a campaign's reach (treatment + control) is the distinct customers its touches went to, and its sends are all touches
with report as (
    select * from {{ ref('rpt_campaign_performance') }}
),

touches as (
    select
        campaign_id,
        coalesce(channel, 'unknown') as channel,
        count(*) as n_touches,
        count(distinct case when variant in ('treatment', 'control') then one_id end) as n_recipients
    from {{ ref('fct_campaign_touches') }}
    group by campaign_id, coalesce(channel, 'unknown')
)

select
    touches.campaign_id,
    touches.channel,
    touches.n_touches,
    touches.n_recipients,
    report.n_sent,
    report.reach_treatment + report.reach_control as reach
from touches
full outer join report on touches.campaign_id = report.campaign_id and touches.channel = report.channel
where
    coalesce(touches.n_touches, 0) <> coalesce(report.n_sent, 0)
    or coalesce(touches.n_recipients, 0) <> coalesce(report.reach_treatment + report.reach_control, 0)
