-- one row per order or till transaction of every channel, with its OneID and amounts in yuan, up to the as-of date
with orders as (
    select * from {{ ref('int_orders_unioned') }}
),

classified as (
    select
        *,
        status not in ('created', 'cancelled') as is_paid,
        status = 'refunded' as is_refunded
    from orders
),

amounts as (
    select
        *,
        case
            when is_return then -paid_amount
            when is_refunded then paid_amount
            else 0
        end as refund_amount,
        case
            when is_return then paid_amount
            when is_paid and not is_refunded then paid_amount
            else 0
        end as net_amount,
        (is_paid and not is_refunded and not is_return) as is_purchase
    from classified
),

numbered as (
    select
        *,
        case
            when is_purchase and one_id is not null
                then cast(row_number() over (
                        partition by one_id, is_purchase order by order_at, order_id
                    ) as bigint)
        end as customer_purchase_number
    from amounts
),

final as (
    select
        order_id,
        source_order_id,
        source_system,
        channel,
        channel_group,
        one_id,
        order_at,
        cast(order_at as date) as order_on,
        paid_at,
        status,
        store_id,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(paid_amount as decimal(18, 2)) as paid_amount,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        cast(net_amount as decimal(18, 2)) as net_amount,
        has_coupon,
        is_return,
        is_paid,
        is_refunded,
        is_purchase,
        customer_purchase_number,
        {{ persona.as_of_date() }} as as_of_date
    from numbered
)

select * from final
