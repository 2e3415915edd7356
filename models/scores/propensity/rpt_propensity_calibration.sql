-- calibration of the propensity models on the held-out period: per target, classifier and bin of equal
-- headcount (1 = the highest predictions), the mean predicted probability against the observed rate
with evaluation as (
    select * from {{ ref('int_propensity_evaluation') }}
    where section = 'calibration'
),

final as (
    select
        {{ persona.as_of_date() }} as as_of_date,
        cast(target as {{ dbt.type_string() }}) as target,  -- noqa: RF04
        cast(classifier as {{ dbt.type_string() }}) as classifier,
        cast(is_selected as boolean) as is_selected,
        cast(calibration_bin as integer) as calibration_bin,
        cast(bin_customers as integer) as n_customers,
        cast(bin_mean_predicted as double) as mean_predicted_probability,
        cast(bin_observed_rate as double) as observed_rate
    from evaluation
)

select * from final
