-- each person's interest in the top-level categories at each recommendation cutoff: purchase days
-- plus product-view days weighted by var recommendation_view_weight, in the lookback window,
-- shrunk towards everyone's category mix by var recommendation_category_prior pseudo-days (one
-- purchase in a category is a hint, ten are a preference); the person's strongest
-- var recommendation_max_categories categories, ranked
{%- set view_weight = var('recommendation_view_weight') %}
{%- set prior = var('recommendation_category_prior') %}

with interactions as (
    select
        cutoff_on,
        one_id,
        product_id,
        n_purchase_days + {{ view_weight }} * n_view_days as interest_weight
    from {{ ref('int_recommendation_interactions') }}
    where n_purchase_days + n_view_days > 0
),

products as (
    select
        cutoff_on,
        product_id,
        category_l1
    from {{ ref('int_recommendation_products') }}
    where category_l1 is not null
),

person_categories as (
    select
        interactions.cutoff_on,
        interactions.one_id,
        products.category_l1,
        cast(sum(interactions.interest_weight) as double) as category_weight
    from interactions
    inner join products
        on interactions.cutoff_on = products.cutoff_on and interactions.product_id = products.product_id
    group by interactions.cutoff_on, interactions.one_id, products.category_l1
),

-- everyone's category mix: the prior a person's own few interactions are shrunk towards
category_mix as (
    select
        cutoff_on,
        category_l1,
        sum(category_weight) / sum(sum(category_weight)) over (partition by cutoff_on) as overall_share
    from person_categories
    group by cutoff_on, category_l1
),

person_totals as (
    select
        cutoff_on,
        one_id,
        sum(category_weight) as total_weight
    from person_categories
    group by cutoff_on, one_id
),

shares as (
    select
        person_categories.cutoff_on,
        person_categories.one_id,
        person_categories.category_l1,
        person_categories.category_weight,
        (person_categories.category_weight + {{ prior }} * category_mix.overall_share)
        / (person_totals.total_weight + {{ prior }}) as interest_share
    from person_categories
    inner join category_mix
        on
            person_categories.cutoff_on = category_mix.cutoff_on
            and person_categories.category_l1 = category_mix.category_l1
    inner join person_totals
        on
            person_categories.cutoff_on = person_totals.cutoff_on
            and person_categories.one_id = person_totals.one_id
),

ranked as (
    select
        cutoff_on,
        one_id,
        category_l1,
        category_weight,
        interest_share,
        row_number() over (
            partition by cutoff_on, one_id order by interest_share desc, category_l1 asc
        ) as interest_rank
    from shares
),

final as (
    select * from ranked
    where interest_rank <= {{ var('recommendation_max_categories') | int }}
)

select * from final
