-- what each person bought by top-level category: one row per person (OneID), purchase day and
-- category, net of discounts, up to the as-of date (the category mix of the clustering features)
with lines as (
    select
        one_id,
        order_on,
        coalesce(category_l1, 'unknown') as category_l1,
        net_line_amount
    from {{ ref('fct_order_items') }}
    where is_purchase and one_id is not null and {{ persona.on_or_before_as_of('order_on') }}
),

final as (
    select
        one_id,
        order_on as purchase_on,
        category_l1,
        cast(sum(net_line_amount) as double) as net_amount
    from lines
    group by one_id, order_on, category_l1
)

select * from final
