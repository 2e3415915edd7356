-- customer lifetime value per buyer as of the as-of date (BG/NBD + Gamma-Gamma, python_models/scores/clv)
with scores as (
    select * from {{ ref('int_clv_scores') }}
),

final as (
    select
        cast(one_id as string) as one_id,
        cast(first_purchase_on as date) as first_purchase_on,
        cast(frequency as integer) as repeat_purchase_days,
        cast(recency_units as double) as recency_units,
        cast(age_units as double) as age_units,
        cast(time_unit as string) as time_unit,
        cast(monetary_value as decimal(18, 2)) as repeat_purchase_day_value,
        cast(expected_purchases_90d as double) as expected_purchases_90d,
        cast(expected_purchases_365d as double) as expected_purchases_365d,
        cast(probability_alive as double) as probability_alive,
        cast(purchase_rate_per_unit as double) as purchase_rate_per_unit,
        cast(expected_order_value as decimal(18, 2)) as expected_order_value,
        cast(clv as decimal(18, 2)) as clv_12m,
        cast(clv_tier as string) as clv_tier,
        {{ persona.as_of_date() }} as as_of_date
    from scores
)

select * from final
