-- the CLV fit diagnostics: every fit (as of the as-of date, and at the backtest's calibration date) with the
-- literature's parameter names, the time unit, the log-likelihood and the customers used
with fits as (
    select * from {{ ref('int_clv_fits') }}
),

final as (
    select
        {{ persona.as_of_date() }} as as_of_date,
        cast(period as string) as period,
        cast(cutoff_on as date) as fitted_through_on,
        model,
        cast(time_unit as string) as time_unit,
        cast(unit_days as double) as unit_days,
        cast(r as double) as r,
        cast(alpha as double) as alpha,
        cast(a as double) as a,
        cast(b as double) as b,
        cast(p as double) as p,
        cast(q as double) as q,
        cast(gamma as double) as gamma,
        cast(log_likelihood as double) as log_likelihood,
        cast(n_customers as integer) as n_customers,
        cast(status as string) as status,
        nullif(cast(status_detail as string), '') as status_detail
    from fits
)

select * from final
