-- what each person did with each product up to each recommendation cutoff: one row per cutoff,
-- person (OneID) and product they ever bought by then or looked at (viewed, carted, favourited) in
-- the var recommendation_lookback_days days ending on the cutoff. Purchase and view days are
-- counted in that window; a purchase at any earlier time still counts as bought (the exclusion
-- rule of the recommendations) and dates the last purchase (the restock clock).
{%- set lookback = var('recommendation_lookback_days') | int %}

with cutoffs as (
    select cutoff_on from {{ ref('int_recommendation_cutoffs') }}
),

purchase_days as (
    select distinct
        one_id,
        product_id,
        order_on as interaction_on,
        'purchase' as interaction
    from {{ ref('fct_order_items') }}
    where is_purchase and one_id is not null and product_id is not null
),

view_days as (
    select distinct
        one_id,
        product_id,
        cast(event_at as date) as interaction_on,
        'view' as interaction
    from {{ ref('fct_events') }}
    where
        one_id is not null
        and product_id is not null
        and event_type in ('product_view', 'add_to_cart', 'favorite')
),

interaction_days as (
    select * from purchase_days
    union all
    select * from view_days
),

dated as (
    select
        cutoffs.cutoff_on,
        interaction_days.one_id,
        interaction_days.product_id,
        interaction_days.interaction,
        interaction_days.interaction_on,
        interaction_days.interaction_on
        > cast({{ dbt.dateadd('day', -lookback, 'cutoffs.cutoff_on') }} as date) as is_in_lookback
    from interaction_days
    inner join cutoffs on interaction_days.interaction_on <= cutoffs.cutoff_on
),

final as (
    select
        cutoff_on,
        one_id,
        product_id,
        sum(case when interaction = 'purchase' and is_in_lookback then 1 else 0 end) as n_purchase_days,
        sum(case when interaction = 'view' and is_in_lookback then 1 else 0 end) as n_view_days,
        max(case when interaction = 'purchase' then 1 else 0 end) = 1 as has_bought,
        max(case when interaction = 'purchase' then interaction_on end) as last_purchased_on,
        max(case when is_in_lookback then interaction_on end) as last_interaction_on
    from dated
    where interaction = 'purchase' or is_in_lookback
    group by cutoff_on, one_id, product_id
)

select * from final
