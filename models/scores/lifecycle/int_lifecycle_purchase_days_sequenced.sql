-- one row per customer and purchase day, with the gap since the previous purchase day and whether it was a comeback
{%- set thresholds = persona.lifecycle_thresholds() %}

with purchases as (
    select
        one_id,
        order_on
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

purchase_days as (
    select
        one_id,
        order_on as purchase_on,
        cast(count(*) as integer) as purchases
    from purchases
    group by one_id, order_on
),

sequenced as (
    select
        one_id,
        purchase_on,
        purchases,
        cast(row_number() over (partition by one_id order by purchase_on) as integer) as purchase_day_number,
        min(purchase_on) over (partition by one_id) as first_purchase_on,
        lag(purchase_on) over (partition by one_id order by purchase_on) as previous_purchase_on
    from purchase_days
),

final as (
    select
        one_id,
        purchase_on,
        purchases,
        purchase_day_number,
        first_purchase_on,
        previous_purchase_on,
        cast(
            {{ dbt.datediff('previous_purchase_on', 'purchase_on', 'day') }}
            as integer
        ) as days_since_previous_purchase,
        coalesce(
            {{ dbt.datediff('previous_purchase_on', 'purchase_on', 'day') }}
            > {{ thresholds['churn_days'] }},
            false
        ) as is_comeback
    from sequenced
)

select * from final
