-- which categories, brands and price levels each person buys (purchased lines, up to the as-of date): one row per OneID
with items as (
    select
        one_id,
        order_id,
        order_at,
        product_id,
        category_l1,
        category_l2,
        brand,
        quantity,
        unit_price,
        net_line_amount
    from {{ ref('fct_order_items') }}
    where one_id is not null and is_purchase
),

products as (
    select
        product_id,
        launched_on
    from {{ ref('stg_catalog__products') }}
),

-- the usual unit price of each sub-category, to tell premium from value buyers
category_prices as (
    select
        category_l2,
        avg(unit_price) as category_average_unit_price
    from items
    where unit_price > 0
    group by category_l2
),

category_l1_spend as (
    select
        one_id,
        category_l1,
        sum(net_line_amount) as net_sales,
        max(order_at) as last_order_at,
        row_number() over (
            partition by one_id order by sum(net_line_amount) desc, max(order_at) desc, category_l1 asc
        ) as spend_rank
    from items
    where category_l1 is not null
    group by one_id, category_l1
),

category_l2_spend as (
    select
        one_id,
        category_l2,
        row_number() over (
            partition by one_id order by sum(net_line_amount) desc, max(order_at) desc, category_l2 asc
        ) as spend_rank
    from items
    where category_l2 is not null
    group by one_id, category_l2
),

brand_spend as (
    select
        one_id,
        brand,
        sum(net_line_amount) as net_sales,
        row_number() over (
            partition by one_id order by sum(net_line_amount) desc, max(order_at) desc, brand asc
        ) as spend_rank
    from items
    where brand is not null
    group by one_id, brand
),

line_totals as (
    select
        items.one_id,
        sum(items.net_line_amount) as net_sales,
        count(distinct items.order_id) as n_orders,
        sum(items.quantity) as units,
        count(*) as n_lines,
        count(distinct items.category_l1) as n_categories_l1,
        count(distinct items.category_l2) as n_categories_l2,
        count(distinct items.brand) as n_brands,
        count(distinct items.product_id) as n_products,
        avg(items.unit_price / nullif(category_prices.category_average_unit_price, 0)) as price_index,
        max(
            case
                when {{ dbt.datediff('products.launched_on', 'cast(items.order_at as date)', 'day') }} between 0 and 89  -- noqa: LT05
                    then 1
                else 0
            end
        ) as bought_new_launch
    from items
    left join category_prices on items.category_l2 = category_prices.category_l2
    left join products on items.product_id = products.product_id
    group by items.one_id
),

final as (
    select
        line_totals.one_id,
        top_category.category_l1 as preferred_category_l1,
        top_category_l2.category_l2 as preferred_category_l2,
        top_brand.brand as preferred_brand,
        cast(top_category.net_sales as double) / nullif(cast(line_totals.net_sales as double), 0) as top_category_share,
        cast(top_brand.net_sales as double) / nullif(cast(line_totals.net_sales as double), 0) as top_brand_share,
        line_totals.n_categories_l1,
        line_totals.n_categories_l2,
        line_totals.n_brands,
        line_totals.n_products,
        cast(line_totals.units as double) / nullif(line_totals.n_orders, 0) as units_per_order,
        cast(line_totals.units as double) / nullif(line_totals.n_lines, 0) as units_per_line,
        cast(line_totals.price_index as double) as price_index,
        line_totals.bought_new_launch = 1 as has_bought_new_launch
    from line_totals
    left join category_l1_spend as top_category
        on line_totals.one_id = top_category.one_id and top_category.spend_rank = 1
    left join category_l2_spend as top_category_l2
        on line_totals.one_id = top_category_l2.one_id and top_category_l2.spend_rank = 1
    left join brand_spend as top_brand
        on line_totals.one_id = top_brand.one_id and top_brand.spend_rank = 1
)

select * from final
