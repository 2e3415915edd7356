-- the dates the monthly histories are computed as of: every month end from the first activity to the as-of date
with recursive as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

first_days as (
    select min(order_on) as first_on
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
    union all
    select min(first_seen_on) as first_on
    from {{ ref('int_lifecycle_customers_listed') }}
),

first_activity as (
    select min(first_days.first_on) as first_on
    from first_days
    cross join as_of
    where first_days.first_on <= as_of.as_of_date
),

month_ends as (
    select cast({{ dbt.last_day('first_activity.first_on', 'month') }} as date) as month_end_on
    from first_activity
    where first_activity.first_on is not null
    union all
    select
        cast(
            {{ dbt.last_day(dbt.dateadd('month', 1, dbt.date_trunc('month', 'month_ends.month_end_on')), 'month') }}
            as date
        ) as month_end_on
    from month_ends
    cross join as_of
    where month_ends.month_end_on < as_of.as_of_date
),

final as (
    select
        -- a month not yet over at the as-of date is taken as of the as-of date
        least(month_ends.month_end_on, as_of.as_of_date) as month_end_on,
        month_ends.month_end_on > as_of.as_of_date as is_partial_month
    from month_ends
    cross join as_of
)

select * from final
