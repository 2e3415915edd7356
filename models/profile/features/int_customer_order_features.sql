-- what each person bought, when, where and at what price, up to the as-of date: one row per OneID with an order
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

orders as (
    select
        fct_orders.*,
        {{ dbt.datediff('fct_orders.order_on', 'as_of.as_of_date', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('fct_orders') }} as fct_orders
    cross join as_of
    where fct_orders.one_id is not null
),

purchases as (
    select
        *,
        {{ dbt.datediff(
            'lag(order_on) over (partition by one_id order by order_at, order_id)', 'order_on', 'day'
        ) }} as days_since_previous_purchase,
        row_number() over (partition by one_id order by order_at asc, order_id asc) as purchase_number,
        row_number() over (partition by one_id order by order_at desc, order_id desc) as purchase_number_desc
    from orders
    where is_purchase
),

-- the median days between two consecutive purchases (people with two purchases or more)
purchase_cycles as (
    select
        one_id,
        percentile_cont(0.5) within group (order by days_since_previous_purchase) as median_purchase_interval_days
    from purchases
    where days_since_previous_purchase is not null
    group by one_id
),

first_and_last as (
    select
        one_id,
        max(case when purchase_number = 1 then channel end) as first_purchase_channel,
        max(case when purchase_number = 1 then channel_group end) as first_purchase_channel_group,
        max(case when purchase_number_desc = 1 then channel end) as last_purchase_channel
    from purchases
    group by one_id
),

-- purchases per channel: the preferred one has the most purchases (then the most spend, then the latest)
channel_purchases as (
    select
        one_id,
        channel,
        channel_group,
        count(*) as n_purchases,
        sum(net_amount) as net_sales,
        max(order_at) as last_order_at
    from purchases
    group by one_id, channel, channel_group
),

preferred_channels as (
    select
        one_id,
        channel as preferred_channel,
        row_number() over (
            partition by one_id order by n_purchases desc, net_sales desc, last_order_at desc, channel asc
        ) as channel_rank
    from channel_purchases
),

channel_group_purchases as (
    select
        one_id,
        channel_group,
        sum(n_purchases) as n_purchases,
        sum(net_sales) as net_sales,
        max(last_order_at) as last_order_at
    from channel_purchases
    group by one_id, channel_group
),

preferred_channel_groups as (
    select
        one_id,
        channel_group as preferred_channel_group,
        row_number() over (
            partition by one_id order by n_purchases desc, net_sales desc, last_order_at desc, channel_group asc
        ) as channel_group_rank
    from channel_group_purchases
),

order_totals as (
    select
        one_id,
        count(*) as total_orders,
        sum(case when days_ago < 3 then 1 else 0 end) as orders_3d,
        sum(case when days_ago < 7 then 1 else 0 end) as orders_7d,
        max(order_at) as last_order_at,
        sum(case when is_purchase then 1 else 0 end) as total_purchases,
        sum(case when is_purchase and days_ago < 30 then 1 else 0 end) as purchases_30d,
        sum(case when is_purchase and days_ago < 90 then 1 else 0 end) as purchases_90d,
        sum(case when is_purchase and days_ago < 180 then 1 else 0 end) as purchases_180d,
        sum(case when is_purchase and days_ago < 365 then 1 else 0 end) as purchases_365d,
        min(case when is_purchase then order_on end) as first_purchase_on,
        max(case when is_purchase then order_on end) as last_purchase_on,
        max(case when is_purchase then order_at end) as last_purchase_at,
        sum(net_amount) as net_sales_total,
        sum(case when days_ago < 365 then net_amount else 0 end) as net_sales_365d,
        sum(case when days_ago < 180 then net_amount else 0 end) as net_sales_last_180d,
        sum(case when days_ago >= 180 and days_ago < 360 then net_amount else 0 end) as net_sales_prior_180d,
        avg(case when is_purchase then net_amount end) as average_order_value,
        max(case when is_purchase then net_amount end) as max_order_value,
        sum(case when is_purchase then gross_amount else 0 end) as purchase_gross_amount,
        sum(case when is_purchase then discount_amount else 0 end) as purchase_discount_amount,
        sum(case when is_purchase and (discount_amount > 0 or has_coupon) then 1 else 0 end) as promo_purchases,
        sum(case when is_purchase and has_coupon then 1 else 0 end) as coupon_purchases,
        sum(case when is_paid then 1 else 0 end) as paid_orders,
        sum(case when is_refunded or is_return then 1 else 0 end) as refunded_orders,
        sum(case when (is_refunded or is_return) and days_ago < 365 then 1 else 0 end) as refunded_orders_365d,
        sum(case when is_purchase and channel_group = 'marketplace' then 1 else 0 end) as marketplace_purchases,
        sum(case when is_purchase and channel_group = 'own_mall' then 1 else 0 end) as own_mall_purchases,
        sum(case when is_purchase and channel_group = 'store' then 1 else 0 end) as store_purchases,
        sum(case when is_purchase and channel = 'tmall' then 1 else 0 end) as tmall_purchases,
        sum(case when is_purchase and channel = 'jd' then 1 else 0 end) as jd_purchases,
        sum(case when is_purchase and channel = 'douyin' then 1 else 0 end) as douyin_purchases,
        sum(case when is_purchase and channel = 'miniprogram' then 1 else 0 end) as miniprogram_purchases,
        sum(case when channel_group = 'marketplace' then net_amount else 0 end) as marketplace_net_sales,
        sum(case when channel_group = 'own_mall' then net_amount else 0 end) as own_mall_net_sales,
        count(distinct case when is_purchase then channel_group end) as n_purchase_channel_groups,
        count(distinct case when is_purchase then channel end) as n_purchase_channels
    from orders
    group by one_id
),

final as (
    select
        order_totals.one_id,
        order_totals.total_orders,
        order_totals.orders_3d,
        order_totals.orders_7d,
        order_totals.last_order_at,
        order_totals.total_purchases,
        order_totals.purchases_30d,
        order_totals.purchases_90d,
        order_totals.purchases_180d,
        order_totals.purchases_365d,
        order_totals.first_purchase_on,
        order_totals.last_purchase_on,
        order_totals.last_purchase_at,
        cast(order_totals.net_sales_total as double) as net_sales_total,
        cast(order_totals.net_sales_365d as double) as net_sales_365d,
        cast(order_totals.net_sales_last_180d as double) as net_sales_last_180d,
        cast(order_totals.net_sales_prior_180d as double) as net_sales_prior_180d,
        cast(order_totals.average_order_value as double) as average_order_value,
        cast(order_totals.max_order_value as double) as max_order_value,
        cast(order_totals.purchase_discount_amount as double)
        / nullif(cast(order_totals.purchase_gross_amount as double), 0) as discount_rate,
        cast(order_totals.promo_purchases as double)
        / nullif(order_totals.total_purchases, 0) as promo_purchase_share,
        cast(order_totals.coupon_purchases as double)
        / nullif(order_totals.total_purchases, 0) as coupon_purchase_share,
        order_totals.promo_purchases,
        order_totals.paid_orders,
        order_totals.refunded_orders,
        order_totals.refunded_orders_365d,
        cast(order_totals.refunded_orders as double) / nullif(order_totals.paid_orders, 0) as refund_rate,
        order_totals.marketplace_purchases,
        order_totals.own_mall_purchases,
        order_totals.store_purchases,
        order_totals.tmall_purchases,
        order_totals.jd_purchases,
        order_totals.douyin_purchases,
        order_totals.miniprogram_purchases,
        cast(order_totals.marketplace_net_sales as double)
        / nullif(cast(order_totals.net_sales_total as double), 0) as marketplace_spend_share,
        cast(order_totals.own_mall_net_sales as double)
        / nullif(cast(order_totals.net_sales_total as double), 0) as own_mall_spend_share,
        order_totals.n_purchase_channel_groups,
        order_totals.n_purchase_channels,
        purchase_cycles.median_purchase_interval_days,
        first_and_last.first_purchase_channel,
        first_and_last.first_purchase_channel_group,
        first_and_last.last_purchase_channel,
        preferred_channels.preferred_channel,
        preferred_channel_groups.preferred_channel_group
    from order_totals
    left join purchase_cycles on order_totals.one_id = purchase_cycles.one_id
    left join first_and_last on order_totals.one_id = first_and_last.one_id
    left join preferred_channels
        on order_totals.one_id = preferred_channels.one_id and preferred_channels.channel_rank = 1
    left join preferred_channel_groups
        on order_totals.one_id = preferred_channel_groups.one_id and preferred_channel_groups.channel_group_rank = 1
)

select * from final
