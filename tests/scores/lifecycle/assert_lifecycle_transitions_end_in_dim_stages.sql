-- the transition matrix at the as-of date ends with as many customers in each stage as dim_customer_lifecycle has
with transitions as (
    select
        to_stage as lifecycle_stage,
        sum(customers) as customers
    from {{ ref('rpt_lifecycle_transitions') }}
    where month_end_on = as_of_date
    group by to_stage
),

dim as (
    select
        lifecycle_stage,
        count(*) as customers
    from {{ ref('dim_customer_lifecycle') }}
    group by lifecycle_stage
),

final as (
    select
        coalesce(transitions.lifecycle_stage, dim.lifecycle_stage) as lifecycle_stage,
        transitions.customers as customers_in_report,
        dim.customers as customers_in_dim
    from transitions
    full outer join dim
        on transitions.lifecycle_stage = dim.lifecycle_stage
    where transitions.customers is distinct from dim.customers
)

select * from final
