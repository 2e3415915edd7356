-- the products that could be recommended to each person at each cutoff, one row per person,
-- product and signal that proposes it, with the signal's score (a probability-like number: the
-- share of comparable purchases that were this product) and what it comes from:
--   restock        a product the person bought whose repurchase cycle has come due: from
--                  var recommendation_restock_due_share of the cycle after the last purchase to
--                  var recommendation_restock_overdue_multiple cycles; score = the product's share
--                  of buyers who bought it again
--   co_occurrence  products bought or viewed together with the person's
--                  var recommendation_source_products most recent products; score = the mean
--                  confidence over those products, source = the product with the highest one
--   category       the most bought products of the person's favourite categories; score = interest
--                  share x the product's share of its category's buyers
--   popular        the most bought products of the person's attribute segment (everyone when the
--                  segment is unknown or small); score = the product's share of the segment's buyers
-- Exclusions (already bought, not on sale) and the ranking are int_recommendations_ranked's.
{%- set due_share = var('recommendation_restock_due_share') %}
{%- set overdue_multiple = var('recommendation_restock_overdue_multiple') %}

with people as (
    select
        cutoff_on,
        one_id,
        has_history,
        segment_level,
        segment_key
    from {{ ref('int_recommendation_people') }}
),

interactions as (
    select
        interactions.cutoff_on,
        interactions.one_id,
        interactions.product_id,
        interactions.n_purchase_days,
        interactions.n_view_days,
        interactions.has_bought,
        interactions.last_purchased_on,
        interactions.last_interaction_on,
        cast({{ dbt.datediff('interactions.last_purchased_on', 'interactions.cutoff_on', 'day') }} as integer)  -- noqa: LT05
            as days_since_last_purchase
    from {{ ref('int_recommendation_interactions') }} as interactions
    inner join people
        on interactions.cutoff_on = people.cutoff_on and interactions.one_id = people.one_id
),

products as (
    select * from {{ ref('int_recommendation_products') }}
),

interests as (
    select
        interests.cutoff_on,
        interests.one_id,
        interests.category_l1,
        interests.interest_share
    from {{ ref('int_recommendation_category_interests') }} as interests
    inner join people
        on interests.cutoff_on = people.cutoff_on and interests.one_id = people.one_id
),

related as (
    select * from {{ ref('int_recommendation_related_products') }}
),

restock as (
    select
        interactions.cutoff_on,
        interactions.one_id,
        interactions.product_id,
        'restock' as signal_code,
        products.repeat_buyer_share as signal_score,
        interactions.product_id as source_product_id,
        cast(null as {{ dbt.type_string() }}) as source_category_l1,
        interactions.days_since_last_purchase,
        products.repurchase_cycle_days
    from interactions
    inner join products
        on interactions.cutoff_on = products.cutoff_on and interactions.product_id = products.product_id
    where
        interactions.has_bought
        and products.has_repurchase_cycle
        and interactions.days_since_last_purchase >= {{ due_share }} * products.repurchase_cycle_days
        and interactions.days_since_last_purchase <= {{ overdue_multiple }} * products.repurchase_cycle_days
),

sources as (
    select
        cutoff_on,
        one_id,
        product_id,
        count(*) over (partition by cutoff_on, one_id) as n_sources
    from (
        select
            cutoff_on,
            one_id,
            product_id,
            row_number() over (
                partition by cutoff_on, one_id order by last_interaction_on desc, product_id asc
            ) as recency_rank
        from interactions
        where last_interaction_on is not null
    ) as recent
    where recency_rank <= {{ var('recommendation_source_products') | int }}
),

co_pairs as (
    select
        sources.cutoff_on,
        sources.one_id,
        related.related_product_id as product_id,
        sources.product_id as source_product_id,
        related.confidence,
        sources.n_sources,
        row_number() over (
            partition by sources.cutoff_on, sources.one_id, related.related_product_id
            order by related.confidence desc, sources.product_id asc
        ) as source_rank,
        sum(related.confidence) over (
            partition by sources.cutoff_on, sources.one_id, related.related_product_id
        ) as total_confidence
    from sources
    inner join related
        on sources.cutoff_on = related.cutoff_on and sources.product_id = related.product_id
),

co_occurrence as (
    select
        cutoff_on,
        one_id,
        product_id,
        'co_occurrence' as signal_code,
        total_confidence / n_sources as signal_score,
        source_product_id,
        cast(null as {{ dbt.type_string() }}) as source_category_l1,
        cast(null as integer) as days_since_last_purchase,
        cast(null as double) as repurchase_cycle_days
    from co_pairs
    where source_rank = 1
),

category as (
    select
        interests.cutoff_on,
        interests.one_id,
        products.product_id,
        'category' as signal_code,
        interests.interest_share * products.category_popularity_share as signal_score,
        cast(null as {{ dbt.type_string() }}) as source_product_id,
        interests.category_l1 as source_category_l1,
        cast(null as integer) as days_since_last_purchase,
        cast(null as double) as repurchase_cycle_days
    from interests
    inner join products
        on interests.cutoff_on = products.cutoff_on and interests.category_l1 = products.category_l1
    where products.category_popularity_rank <= {{ var('recommendation_products_per_category') | int }}
),

popular as (
    select
        people.cutoff_on,
        people.one_id,
        segment_products.product_id,
        'popular' as signal_code,
        segment_products.segment_share as signal_score,
        cast(null as {{ dbt.type_string() }}) as source_product_id,
        cast(null as {{ dbt.type_string() }}) as source_category_l1,
        cast(null as integer) as days_since_last_purchase,
        cast(null as double) as repurchase_cycle_days
    from people
    inner join {{ ref('int_recommendation_segment_products') }} as segment_products
        on
            people.cutoff_on = segment_products.cutoff_on
            and people.segment_level = segment_products.segment_level
            and people.segment_key = segment_products.segment_key
),

final as (
    select * from restock
    union all
    select * from co_occurrence
    union all
    select * from category
    union all
    select * from popular
)

select * from final
