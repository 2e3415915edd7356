-- every catalog product at each recommendation cutoff: whether it is on sale, how popular it is
-- (distinct buyers in the var recommendation_popularity_days days ending on the cutoff, overall and
-- within its top-level category) and, for restocking, its repurchase cycle: the median days between
-- two purchase days of the same product by the same person, over all purchases up to the cutoff,
-- trusted when at least var recommendation_restock_min_repeat_buyers people bought it again
{%- set popularity_days = var('recommendation_popularity_days') | int %}

with cutoffs as (
    select cutoff_on from {{ ref('int_recommendation_cutoffs') }}
),

catalog as (
    select
        product_id,
        product_name,
        category_l1,
        category_l2,
        launched_on
    from {{ ref('stg_catalog__products') }}
    where product_id is not null
),

purchase_days as (
    select distinct
        one_id,
        product_id,
        order_on
    from {{ ref('fct_order_items') }}
    where is_purchase and one_id is not null and product_id is not null
),

purchases_before as (
    select
        cutoffs.cutoff_on,
        purchase_days.one_id,
        purchase_days.product_id,
        purchase_days.order_on,
        purchase_days.order_on
        > cast({{ dbt.dateadd('day', -popularity_days, 'cutoffs.cutoff_on') }} as date) as is_recent,
        {{ dbt.datediff(
            'lag(purchase_days.order_on) over (partition by cutoffs.cutoff_on, purchase_days.one_id, purchase_days.product_id order by purchase_days.order_on)',
            'purchase_days.order_on',
            'day'
        ) }} as days_since_previous_purchase
    from purchase_days
    inner join cutoffs on purchase_days.order_on <= cutoffs.cutoff_on
),

buyers as (
    select
        cutoff_on,
        product_id,
        count(distinct case when is_recent then one_id end) as n_recent_buyers,
        count(distinct one_id) as n_buyers,
        count(distinct case when days_since_previous_purchase is not null then one_id end) as n_repeat_buyers
    from purchases_before
    group by cutoff_on, product_id
),

cycles as (
    select
        cutoff_on,
        product_id,
        percentile_cont(0.5) within group (order by days_since_previous_purchase) as repurchase_cycle_days
    from purchases_before
    where days_since_previous_purchase is not null
    group by cutoff_on, product_id
),

products as (
    select
        cutoffs.cutoff_on,
        catalog.product_id,
        catalog.product_name,
        catalog.category_l1,
        catalog.category_l2,
        coalesce(catalog.launched_on <= cutoffs.cutoff_on, true) as is_on_sale,
        coalesce(buyers.n_recent_buyers, 0) as n_recent_buyers,
        coalesce(buyers.n_buyers, 0) as n_buyers,
        coalesce(buyers.n_repeat_buyers, 0) as n_repeat_buyers,
        cast(cycles.repurchase_cycle_days as double) as repurchase_cycle_days
    from catalog
    cross join cutoffs
    left join buyers on cutoffs.cutoff_on = buyers.cutoff_on and catalog.product_id = buyers.product_id
    left join cycles on cutoffs.cutoff_on = cycles.cutoff_on and catalog.product_id = cycles.product_id
),

totals as (
    select
        cutoff_on,
        category_l1,
        sum(n_recent_buyers) as category_recent_buyers,
        sum(sum(n_recent_buyers)) over (partition by cutoff_on) as all_recent_buyers
    from products
    where is_on_sale
    group by cutoff_on, category_l1
),

ranked as (
    select
        products.*,
        totals.category_recent_buyers,
        totals.all_recent_buyers,
        row_number() over (
            partition by products.cutoff_on, products.is_on_sale
            order by products.n_recent_buyers desc, products.product_id asc
        ) as sale_rank,
        row_number() over (
            partition by products.cutoff_on, products.is_on_sale, products.category_l1
            order by products.n_recent_buyers desc, products.product_id asc
        ) as category_sale_rank
    from products
    left join totals
        on
            products.cutoff_on = totals.cutoff_on
            and coalesce(products.category_l1, '') = coalesce(totals.category_l1, '')
),

final as (
    select
        cutoff_on,
        product_id,
        product_name,
        category_l1,
        category_l2,
        is_on_sale,
        n_recent_buyers,
        case
            when is_on_sale and all_recent_buyers > 0 then 1e0 * n_recent_buyers / all_recent_buyers
            else 0e0
        end as popularity_share,
        case
            when is_on_sale and category_recent_buyers > 0 then 1e0 * n_recent_buyers / category_recent_buyers
            else 0e0
        end as category_popularity_share,
        case when is_on_sale then sale_rank end as popularity_rank,
        case when is_on_sale then category_sale_rank end as category_popularity_rank,
        n_buyers,
        n_repeat_buyers,
        case when n_buyers > 0 then 1e0 * n_repeat_buyers / n_buyers else 0e0 end as repeat_buyer_share,
        repurchase_cycle_days,
        (n_repeat_buyers >= {{ var('recommendation_restock_min_repeat_buyers') | int }}) as has_repurchase_cycle
    from ranked
)

select * from final
