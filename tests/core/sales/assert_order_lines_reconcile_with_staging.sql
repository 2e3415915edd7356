-- every staged order line of an order in fct_orders is in fct_order_items, with the same amount
with staged as (
    select
        items.order_id,
        count(*) as n_lines,
        sum(items.line_amount) as line_amount
    from {{ ref('int_order_items_unioned') }} as items
    where items.order_id in (select fct_orders.order_id from {{ ref('fct_orders') }} as fct_orders)
    group by items.order_id
),

facts as (
    select
        order_id,
        count(*) as n_lines,
        sum(line_amount) as line_amount,
        sum(net_line_amount) as net_line_amount
    from {{ ref('fct_order_items') }}
    group by order_id
),

orders as (
    select
        order_id,
        gross_amount,
        discount_amount
    from {{ ref('fct_orders') }}
)

select
    staged.order_id,
    staged.n_lines as staged_lines,
    facts.n_lines as fact_lines,
    staged.line_amount as staged_amount,
    facts.line_amount as fact_amount
from staged
left join facts on staged.order_id = facts.order_id
left join orders on staged.order_id = orders.order_id
where facts.order_id is null
    or staged.n_lines != facts.n_lines
    or staged.line_amount != facts.line_amount
    -- the discount shares add back up to the order's discount (to the cent, per line rounding)
    or abs(facts.line_amount - facts.net_line_amount - orders.discount_amount) > 0.01 * facts.n_lines
