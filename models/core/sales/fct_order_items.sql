-- one row per order line with its product, category and brand; the order's discount shared across its lines
with items as (
    select * from {{ ref('int_order_items_unioned') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

products as (
    select * from {{ ref('stg_catalog__products') }}
),

order_totals as (
    select
        order_id,
        sum(line_amount) as order_line_amount
    from items
    group by order_id
),

joined as (
    select
        items.order_item_id,
        items.order_id,
        items.line_no,
        orders.one_id,
        orders.channel,
        orders.channel_group,
        orders.order_at,
        orders.order_on,
        items.product_id,
        products.category_l1,
        products.category_l2,
        products.brand,
        items.quantity,
        items.unit_price,
        items.line_amount,
        case
            when order_totals.order_line_amount = 0 then 0
            else orders.discount_amount * items.line_amount / order_totals.order_line_amount
        end as allocated_discount_amount,
        orders.is_purchase,
        orders.is_return,
        orders.as_of_date
    from items
    -- lines of orders after the as-of date (or quarantined orders) have no order here
    inner join orders on items.order_id = orders.order_id
    inner join order_totals on items.order_id = order_totals.order_id
    left join products on items.product_id = products.product_id
),

final as (
    select
        order_item_id,
        order_id,
        line_no,
        one_id,
        channel,
        channel_group,
        order_at,
        order_on,
        product_id,
        category_l1,
        category_l2,
        brand,
        quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(line_amount as decimal(18, 2)) as line_amount,
        cast(allocated_discount_amount as decimal(18, 2)) as allocated_discount_amount,
        cast(line_amount - allocated_discount_amount as decimal(18, 2)) as net_line_amount,
        is_purchase,
        is_return,
        as_of_date
    from joined
)

select * from final
