-- the top 10 products to recommend to every person as of the as-of date, with the reason in words
with ranked as (
    select * from {{ ref('int_recommendations_ranked') }}
),

cutoffs as (
    select
        cutoff_on,
        as_of_date
    from {{ ref('int_recommendation_cutoffs') }}
    where cutoff_purpose = 'recommend'
),

final as (
    select
        ranked.one_id,
        ranked.recommendation_rank,
        ranked.product_id,
        ranked.product_name,
        ranked.category_l1,
        ranked.category_l2,
        ranked.reason_code,
        ranked.reason_en,
        ranked.reason_zh,
        ranked.source_product_id,
        cast(ranked.score as double) as score,
        cutoffs.as_of_date
    from ranked
    inner join cutoffs on ranked.cutoff_on = cutoffs.cutoff_on
)

select * from final
