-- purchase and churn propensity per person as of the as-of date (python_models/scores/propensity): probabilities,
-- their bands (purchase intent, churn risk) and deciles
with scores as (
    select * from {{ ref('int_propensity_scores') }}
),

final as (
    select
        cast(one_id as {{ dbt.type_string() }}) as one_id,
        cast(is_buyer as boolean) as is_buyer,
        cast(purchase_30d_probability as double) as purchase_30d_probability,
        cast(purchase_intent as {{ dbt.type_string() }}) as purchase_intent,
        cast(purchase_decile as integer) as purchase_decile,
        cast(churn_90d_probability as double) as churn_90d_probability,
        cast(churn_risk as {{ dbt.type_string() }}) as churn_risk,
        cast(churn_decile as integer) as churn_decile,
        cast(purchase_classifier as {{ dbt.type_string() }}) as purchase_classifier,
        cast(churn_classifier as {{ dbt.type_string() }}) as churn_classifier,
        {{ persona.as_of_date() }} as as_of_date
    from scores
)

select * from final
