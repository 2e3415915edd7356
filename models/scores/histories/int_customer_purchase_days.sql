-- the purchase history the step-4 Python models learn from: one row per person (OneID), purchase day
-- (UTC calendar day) and channel group, up to the as-of date; orders of one day are merged, as the
-- BG/NBD literature merges same-day transactions
with purchases as (
    select
        one_id,
        order_on,
        channel_group,
        net_amount,
        gross_amount,
        discount_amount,
        has_coupon
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null and {{ persona.on_or_before_as_of('order_on') }}
),

final as (
    select
        one_id,
        order_on as purchase_on,
        channel_group,
        count(*) as n_orders,
        sum(case when has_coupon then 1 else 0 end) as n_coupon_orders,
        cast(sum(gross_amount) as double) as gross_amount,
        cast(sum(discount_amount) as double) as discount_amount,
        cast(sum(net_amount) as double) as net_amount
    from purchases
    group by one_id, order_on, channel_group
)

select * from final
