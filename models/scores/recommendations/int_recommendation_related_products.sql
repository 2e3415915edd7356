-- products bought or viewed together, at each recommendation cutoff: for each product, the other
-- products that the same people bought or looked at in the lookback window, with the share of the
-- product's people who did (confidence = people with both / people with the product). A pair needs
-- var recommendation_min_pair_customers people; each product keeps its
-- var recommendation_related_per_product best partners. A person adds their most recent
-- var recommendation_pair_max_products products only, so one heavy browser cannot flood the counts
-- (and the pairs stay bounded at a million people).
with interactions as (
    select
        cutoff_on,
        one_id,
        product_id,
        row_number() over (
            partition by cutoff_on, one_id order by last_interaction_on desc, product_id asc
        ) as recency_rank
    from {{ ref('int_recommendation_interactions') }}
    where n_purchase_days + n_view_days > 0
),

person_products as (
    select
        cutoff_on,
        one_id,
        product_id
    from interactions
    where recency_rank <= {{ var('recommendation_pair_max_products') | int }}
),

product_people as (
    select
        cutoff_on,
        product_id,
        count(*) as n_people
    from person_products
    group by cutoff_on, product_id
),

pairs as (
    select
        person_products.cutoff_on,
        person_products.product_id,
        partners.product_id as related_product_id,
        count(*) as n_people_with_both
    from person_products
    inner join person_products as partners
        on
            person_products.cutoff_on = partners.cutoff_on
            and person_products.one_id = partners.one_id
            and person_products.product_id <> partners.product_id
    group by person_products.cutoff_on, person_products.product_id, partners.product_id
),

scored as (
    select
        pairs.cutoff_on,
        pairs.product_id,
        pairs.related_product_id,
        pairs.n_people_with_both,
        product_people.n_people,
        1e0 * pairs.n_people_with_both / product_people.n_people as confidence,
        row_number() over (
            partition by pairs.cutoff_on, pairs.product_id
            order by 1e0 * pairs.n_people_with_both / product_people.n_people desc, pairs.related_product_id asc
        ) as related_rank
    from pairs
    inner join product_people
        on pairs.cutoff_on = product_people.cutoff_on and pairs.product_id = product_people.product_id
    where pairs.n_people_with_both >= {{ var('recommendation_min_pair_customers') | int }}
),

final as (
    select * from scored
    where related_rank <= {{ var('recommendation_related_per_product') | int }}
)

select * from final
