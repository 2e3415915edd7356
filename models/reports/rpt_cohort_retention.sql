-- buyers grouped by the month of their first purchase: repurchase within 7/30/90 days and retention month by month
with purchases as (
    select
        one_id,
        order_id,
        order_at,
        order_on,
        customer_purchase_number
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

month_offsets as (
    -- 0 .. 1199: up to a hundred years of months after the first purchase
    select generated_number - 1 as months_since_first
    from ({{ dbt.generate_series(1200) }}) as series
),

firsts as (
    select
        one_id,
        order_at as first_order_at,
        cast({{ dbt.date_trunc('month', 'order_on') }} as date) as cohort_month
    from purchases
    where customer_purchase_number = 1
),

seconds as (
    select
        one_id,
        order_at as second_order_at
    from purchases
    where customer_purchase_number = 2
),

customers as (
    select
        firsts.one_id,
        firsts.cohort_month,
        case
            when seconds.second_order_at <= {{ dbt.dateadd('day', 7, 'firsts.first_order_at') }} then 1 else 0
        end as repurchased_7d,
        case
            when seconds.second_order_at <= {{ dbt.dateadd('day', 30, 'firsts.first_order_at') }} then 1 else 0
        end as repurchased_30d,
        case
            when seconds.second_order_at <= {{ dbt.dateadd('day', 90, 'firsts.first_order_at') }} then 1 else 0
        end as repurchased_90d
    from firsts
    left join seconds on firsts.one_id = seconds.one_id
),

-- an N-day rate is final when even the cohort's last first purchase (end of the month) has N days behind it
cohorts as (
    select
        customers.cohort_month,
        count(*) as cohort_size,
        sum(customers.repurchased_7d) as repurchased_7d,
        sum(customers.repurchased_30d) as repurchased_30d,
        sum(customers.repurchased_90d) as repurchased_90d,
        {{ dbt.dateadd('day', 7, dbt.dateadd('month', 1, 'customers.cohort_month')) }}
        <= max(as_of.as_of_end_at) as is_7d_observed,
        {{ dbt.dateadd('day', 30, dbt.dateadd('month', 1, 'customers.cohort_month')) }}
        <= max(as_of.as_of_end_at) as is_30d_observed,
        {{ dbt.dateadd('day', 90, dbt.dateadd('month', 1, 'customers.cohort_month')) }}
        <= max(as_of.as_of_end_at) as is_90d_observed
    from customers
    cross join as_of
    group by customers.cohort_month
),

activity as (
    select
        firsts.cohort_month,
        cast({{ dbt.date_trunc('month', 'purchases.order_on') }} as date) as activity_month,
        count(distinct purchases.one_id) as n_buyers
    from purchases
    inner join firsts on purchases.one_id = firsts.one_id
    group by firsts.cohort_month, cast({{ dbt.date_trunc('month', 'purchases.order_on') }} as date)
),

grid as (
    select
        cohorts.*,
        month_offsets.months_since_first,
        cast({{ dbt.dateadd('month', 'month_offsets.months_since_first', 'cohorts.cohort_month') }} as date)
            as activity_month,
        {{ dbt.dateadd('month', 'month_offsets.months_since_first + 1', 'cohorts.cohort_month') }}
        <= as_of.as_of_end_at as is_complete_period
    from cohorts
    cross join month_offsets
    cross join as_of
    where {{ dbt.dateadd('month', 'month_offsets.months_since_first', 'cohorts.cohort_month') }} < as_of.as_of_end_at
),

final as (
    select
        grid.cohort_month,
        cast(grid.months_since_first as integer) as months_since_first,
        grid.activity_month,
        cast(grid.cohort_size as bigint) as cohort_size,
        cast(coalesce(activity.n_buyers, 0) as bigint) as n_buyers,
        case when grid.is_complete_period then 1e0 * coalesce(activity.n_buyers, 0) / grid.cohort_size end
            as retention_rate,
        grid.is_complete_period,
        case when grid.is_7d_observed then 1e0 * grid.repurchased_7d / grid.cohort_size end as repurchase_rate_7d,
        case when grid.is_30d_observed then 1e0 * grid.repurchased_30d / grid.cohort_size end as repurchase_rate_30d,
        case when grid.is_90d_observed then 1e0 * grid.repurchased_90d / grid.cohort_size end as repurchase_rate_90d,
        {{ persona.as_of_date() }} as as_of_date
    from grid
    left join activity
        on grid.cohort_month = activity.cohort_month and grid.activity_month = activity.activity_month
)

select * from final
