-- how well the recommendations predicted what people bought next: the recommendations computed as
-- of the evaluation cutoff (as-of date minus var recommendation_evaluation_days) against the
-- purchases of the days after it up to the as-of date, next to the popularity baseline; overall
-- ('all') and by lifecycle stage on the cutoff
with people as (
    select * from {{ ref('int_recommendation_evaluation_people') }}
),

cutoffs as (
    select
        cutoff_on,
        as_of_date
    from {{ ref('int_recommendation_cutoffs') }}
    where cutoff_purpose = 'evaluate'
),

scopes as (
    select
        cutoff_on,
        method,
        'all' as lifecycle_stage,
        one_id,
        n_purchased_products,
        n_hits,
        dcg,
        ideal_dcg
    from people
    union all
    select
        cutoff_on,
        method,
        lifecycle_stage,
        one_id,
        n_purchased_products,
        n_hits,
        dcg,
        ideal_dcg
    from people
),

aggregated as (
    select
        cutoff_on,
        method,
        lifecycle_stage,
        count(*) as persons,
        sum(n_purchased_products) as purchased_products,
        sum(case when n_hits > 0 then 1 else 0 end) as persons_with_hit,
        avg(1e0 * n_hits / n_purchased_products) as recall_at_10,
        avg(dcg / ideal_dcg) as ndcg_at_10
    from scopes
    group by cutoff_on, method, lifecycle_stage
),

final as (
    select
        aggregated.method,
        aggregated.lifecycle_stage,
        cast(aggregated.persons as bigint) as persons,
        cast(aggregated.purchased_products as bigint) as purchased_products,
        round(1e0 * aggregated.persons_with_hit / aggregated.persons, 6) as hit_rate_at_10,
        round(aggregated.recall_at_10, 6) as recall_at_10,
        round(aggregated.ndcg_at_10, 6) as ndcg_at_10,
        aggregated.cutoff_on,
        cast({{ dbt.dateadd('day', var('recommendation_evaluation_days') | int, 'aggregated.cutoff_on') }} as date)
            as window_end_on,
        cast({{ var('recommendation_evaluation_days') | int }} as integer) as window_days,
        cutoffs.as_of_date
    from aggregated
    inner join cutoffs on aggregated.cutoff_on = cutoffs.cutoff_on
)

select * from final
