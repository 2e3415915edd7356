-- how each person responds to campaign messages (SMS, push, WeCom, e-mail) up to the as-of date
-- one row per OneID messaged
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

-- messages actually sent: the control group of an experiment is held out and receives nothing
touches as (
    select
        fct_campaign_touches.one_id,
        fct_campaign_touches.campaign_id,
        fct_campaign_touches.channel,
        fct_campaign_touches.sent_at,
        fct_campaign_touches.opened_at,
        fct_campaign_touches.clicked_at,
        coalesce(fct_campaign_touches.is_opened, false) as is_opened,
        coalesce(fct_campaign_touches.is_clicked, false) as is_clicked,
        {{ dbt.datediff('cast(fct_campaign_touches.sent_at as date)', 'as_of.as_of_date', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('fct_campaign_touches') }} as fct_campaign_touches
    cross join as_of
    where fct_campaign_touches.one_id is not null and coalesce(fct_campaign_touches.variant, 'treatment') <> 'control'
),

purchases as (
    select
        one_id,
        order_at
    from {{ ref('fct_orders') }}
    where one_id is not null and is_purchase
),

-- a purchase within 7 days after opening or clicking a message sent in the last 90 days
conversions as (
    select distinct touches.one_id
    from touches
    inner join purchases
        on
            touches.one_id = purchases.one_id
            and purchases.order_at >= coalesce(touches.opened_at, touches.clicked_at)
            and purchases.order_at < {{ dbt.dateadd('day', 7, 'coalesce(touches.opened_at, touches.clicked_at)') }}
    where touches.days_ago < 90 and (touches.is_opened or touches.is_clicked)
),

-- the message channel the person responds to most in the last 365 days (opens and clicks)
responsive_channels as (
    select
        one_id,
        channel,
        row_number() over (
            partition by one_id
            order by
                sum(case when is_clicked then 1 else 0 end) + sum(case when is_opened then 1 else 0 end) desc,
                max(coalesce(opened_at, clicked_at)) desc,
                channel asc
        ) as channel_rank
    from touches
    where days_ago < 365 and (is_opened or is_clicked) and channel is not null
    group by one_id, channel
),

touch_totals as (
    select
        one_id,
        sum(case when days_ago < 30 then 1 else 0 end) as touches_30d,
        sum(case when days_ago < 90 then 1 else 0 end) as touches_90d,
        sum(case when days_ago < 365 then 1 else 0 end) as touches_365d,
        sum(case when days_ago < 30 and is_opened then 1 else 0 end) as opens_30d,
        sum(case when days_ago < 90 and is_opened then 1 else 0 end) as opens_90d,
        sum(case when days_ago < 90 and is_clicked then 1 else 0 end) as clicks_90d,
        sum(case when days_ago < 365 and is_opened then 1 else 0 end) as opens_365d,
        sum(case when days_ago < 365 and is_clicked then 1 else 0 end) as clicks_365d,
        count(distinct case when days_ago < 365 then campaign_id end) as campaigns_365d,
        max(sent_at) as last_touch_at,
        max(case when days_ago < 14 and is_clicked then clicked_at end) as last_click_14d_at
    from touches
    group by one_id
),

final as (
    select
        touch_totals.*,
        conversions.one_id is not null as has_converted_after_campaign_90d,
        responsive_channels.channel as responsive_channel
    from touch_totals
    left join conversions on touch_totals.one_id = conversions.one_id
    left join responsive_channels
        on touch_totals.one_id = responsive_channels.one_id and responsive_channels.channel_rank = 1
)

select * from final
