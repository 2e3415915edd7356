-- the CLV backtest: BG/NBD calibrated at the as-of date minus the holdout window predicts the purchase days of
-- the holdout; predicted against actual in total and per decile of the prediction, with per-customer errors
with customers as (
    select * from {{ ref('int_clv_backtest_customers') }}
),

calibration as (
    select
        cast(cutoff_on as date) as calibrated_through_on,
        time_unit
    from {{ ref('int_clv_fits') }}
    where period = 'calibration' and model = 'bg_nbd'
),

-- the columns named one by one: customers.* holds prediction_decile too, a duplicate name that
-- Spark refuses as ambiguous
scopes as (
    select
        'total' as scope,
        cast(null as integer) as prediction_decile,
        customers.predicted_purchases,
        customers.actual_purchases,
        customers.error
    from customers
    union all
    select
        'decile' as scope,
        cast(customers.prediction_decile as integer) as prediction_decile,
        customers.predicted_purchases,
        customers.actual_purchases,
        customers.error
    from customers
),

summarised as (
    select
        scope,
        prediction_decile,
        count(*) as n_customers,
        sum(predicted_purchases) as predicted_purchases,
        sum(actual_purchases) as actual_purchases,
        avg(predicted_purchases) as mean_predicted_purchases,
        avg(actual_purchases) as mean_actual_purchases,
        avg(abs(error)) as mean_absolute_error,
        sqrt(avg(error * error)) as root_mean_squared_error
    from scopes
    group by scope, prediction_decile
),

final as (
    select
        {{ persona.as_of_date() }} as as_of_date,
        calibration.calibrated_through_on,
        calibration.time_unit,
        summarised.scope,
        summarised.prediction_decile,
        cast(summarised.n_customers as integer) as n_customers,
        cast(summarised.predicted_purchases as double) as predicted_purchases,
        cast(summarised.actual_purchases as double) as actual_purchases,
        cast(summarised.predicted_purchases - summarised.actual_purchases as double) as difference,
        cast(
            (summarised.predicted_purchases - summarised.actual_purchases)
            / nullif(summarised.actual_purchases, 0) as double
        ) as relative_difference,
        cast(summarised.mean_predicted_purchases as double) as mean_predicted_purchases,
        cast(summarised.mean_actual_purchases as double) as mean_actual_purchases,
        cast(summarised.mean_absolute_error as double) as mean_absolute_error,
        cast(summarised.root_mean_squared_error as double) as root_mean_squared_error
    from summarised
    cross join calibration
)

select * from final
