-- per campaign and channel: reach, opens, clicks, conversion per variant and the lift with its confidence interval
{%- set window_days = var('campaign_conversion_days') %}
{%- set z = var('campaign_lift_ci_z') %}

with touches as (
    select
        campaign_id,
        -- a touch without a channel still belongs to its campaign
        coalesce(channel, 'unknown') as channel,
        variant,
        sent_at,
        is_opened,
        is_clicked
    from {{ ref('fct_campaign_touches') }}
),

recipients as (
    select * from {{ ref('int_campaign_recipients_converted') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

sends as (
    select
        campaign_id,
        channel,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at,
        count(*) as n_sent,
        count(case when variant = 'treatment' then 1 end) as n_sent_treatment,
        count(case when variant = 'control' then 1 end) as n_sent_control,
        count(case when variant = 'treatment' and is_opened then 1 end) as n_opened,
        count(case when variant = 'treatment' and is_clicked then 1 end) as n_clicked
    from touches
    group by campaign_id, channel
),

arms as (
    select
        campaign_id,
        channel,
        count(case when variant = 'treatment' then 1 end) as reach_treatment,
        count(case when variant = 'control' then 1 end) as reach_control,
        count(case when variant = 'treatment' and is_converted then 1 end) as converted_treatment,
        count(case when variant = 'control' and is_converted then 1 end) as converted_control
    from recipients
    group by campaign_id, channel
),

joined as (
    select
        sends.*,
        coalesce(arms.reach_treatment, 0) as reach_treatment,
        coalesce(arms.reach_control, 0) as reach_control,
        coalesce(arms.converted_treatment, 0) as converted_treatment,
        coalesce(arms.converted_control, 0) as converted_control
    from sends
    left join arms on sends.campaign_id = arms.campaign_id and sends.channel = arms.channel
),

rates as (
    select
        *,
        case when reach_treatment > 0 then 1e0 * converted_treatment / reach_treatment end as conversion_rate_treatment,
        case when reach_control > 0 then 1e0 * converted_control / reach_control end as conversion_rate_control,
        {{ persona.diff_of_proportions_se(
            'converted_treatment', 'reach_treatment', 'converted_control', 'reach_control'
        ) }} as lift_standard_error
    from joined
),

lifts as (
    select
        *,
        conversion_rate_treatment - conversion_rate_control as lift
    from rates
),

intervals as (
    select
        *,
        lift - {{ z }} * lift_standard_error as lift_ci_low,
        lift + {{ z }} * lift_standard_error as lift_ci_high
    from lifts
),

final as (
    select
        intervals.campaign_id,
        intervals.channel,
        intervals.first_sent_at,
        intervals.last_sent_at,
        cast(intervals.n_sent as bigint) as n_sent,
        cast(intervals.n_sent_treatment as bigint) as n_sent_treatment,
        cast(intervals.n_sent_control as bigint) as n_sent_control,
        cast(intervals.n_opened as bigint) as n_opened,
        cast(intervals.n_clicked as bigint) as n_clicked,
        case
            when intervals.n_sent_treatment > 0 then 1e0 * intervals.n_opened / intervals.n_sent_treatment
        end as open_rate,
        case
            when intervals.n_sent_treatment > 0 then 1e0 * intervals.n_clicked / intervals.n_sent_treatment
        end as click_rate,
        cast(intervals.reach_treatment as bigint) as reach_treatment,
        cast(intervals.reach_control as bigint) as reach_control,
        cast(intervals.converted_treatment as bigint) as converted_treatment,
        cast(intervals.converted_control as bigint) as converted_control,
        intervals.conversion_rate_treatment,
        intervals.conversion_rate_control,
        intervals.lift,
        intervals.lift_ci_low,
        intervals.lift_ci_high,
        case
            when intervals.conversion_rate_control > 0 then intervals.lift / intervals.conversion_rate_control
        end as relative_lift,
        coalesce(intervals.lift_ci_low > 0 or intervals.lift_ci_high < 0, false) as is_lift_significant,
        least(
            intervals.converted_treatment,
            intervals.reach_treatment - intervals.converted_treatment,
            intervals.converted_control,
            intervals.reach_control - intervals.converted_control
        ) >= 5 as is_ci_reliable,
        {{ dbt.dateadd('day', window_days, 'intervals.last_sent_at') }} as conversion_window_ends_at,
        {{ dbt.dateadd('day', window_days, 'intervals.last_sent_at') }} <= as_of.as_of_end_at as is_window_closed,
        as_of.as_of_date
    from intervals
    cross join as_of
)

select * from final
