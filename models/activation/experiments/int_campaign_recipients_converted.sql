-- per campaign, channel and recipient (OneID): the first send, the variant, and the first purchase within the window
{%- set window_days = var('campaign_conversion_days') %}

with touches as (
    select
        campaign_id,
        -- a touch without a channel still belongs to its campaign
        coalesce(channel, 'unknown') as channel,
        variant,
        one_id,
        sent_at
    from {{ ref('fct_campaign_touches') }}
),

purchases as (
    select
        one_id,
        order_id,
        order_at
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

-- a recipient who got a treatment message was exposed, even if another touch logged them as control
recipients as (
    select
        campaign_id,
        channel,
        one_id,
        case when count(case when variant = 'treatment' then 1 end) > 0 then 'treatment' else 'control' end as variant,
        min(sent_at) as first_sent_at,
        count(*) as n_touches
    from touches
    where one_id is not null and variant in ('treatment', 'control')
    group by campaign_id, channel, one_id
),

converted as (
    select
        recipients.campaign_id,
        recipients.channel,
        recipients.one_id,
        min(purchases.order_at) as converted_at
    from recipients
    inner join purchases
        on
            recipients.one_id = purchases.one_id
            and recipients.first_sent_at < purchases.order_at
            and {{ dbt.dateadd('day', window_days, 'recipients.first_sent_at') }} >= purchases.order_at
    group by recipients.campaign_id, recipients.channel, recipients.one_id
),

final as (
    select
        recipients.campaign_id,
        recipients.channel,
        recipients.one_id,
        recipients.variant,
        recipients.first_sent_at,
        recipients.n_touches,
        converted.converted_at,
        converted.converted_at is not null as is_converted
    from recipients
    left join converted
        on
            recipients.campaign_id = converted.campaign_id
            and recipients.channel = converted.channel
            and recipients.one_id = converted.one_id
)

select * from final
