-- the propensity models judged on a time split: per target and candidate classifier, the held-out AUC,
-- top-decile lift and Brier score, and which classifier produces the scores
with evaluation as (
    select * from {{ ref('int_propensity_evaluation') }}
    where section = 'summary'
),

final as (
    select
        {{ persona.as_of_date() }} as as_of_date,
        cast(target as {{ dbt.type_string() }}) as target,  -- noqa: RF04
        cast(classifier as {{ dbt.type_string() }}) as classifier,
        cast(is_selected as boolean) as is_selected,
        cast(train_cutoff_on as date) as train_features_on,
        cast(test_cutoff_on as date) as test_features_on,
        cast(horizon_days as integer) as horizon_days,
        cast(n_train as integer) as n_train,
        cast(n_test as integer) as n_test,
        cast(train_positive_rate as double) as train_positive_rate,
        cast(test_positive_rate as double) as test_positive_rate,
        cast(auc as double) as auc,
        cast(top_decile_lift as double) as top_decile_lift,
        cast(brier_score as double) as brier_score,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(nullif(status_detail, '') as {{ dbt.type_string() }}) as status_detail
    from evaluation
)

select * from final
