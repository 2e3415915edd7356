-- the dates recommendations are computed as of: the as-of date (what fct_customer_recommendations
-- publishes) and the evaluation cutoff, var recommendation_evaluation_days before it (what
-- rpt_recommendation_evaluation judges against the purchases of the days after it)
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

final as (
    select
        as_of_date as cutoff_on,
        'recommend' as cutoff_purpose,
        as_of_date
    from as_of
    union all
    select
        cast({{ dbt.dateadd('day', -(var('recommendation_evaluation_days') | int), 'as_of_date') }} as date)
            as cutoff_on,
        'evaluate' as cutoff_purpose,
        as_of_date
    from as_of
)

select * from final
