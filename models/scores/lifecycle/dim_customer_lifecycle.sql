-- one row per known customer: the lifecycle stage on the as-of date (prospect, new, active, silent, churned, ...)
with customers as (
    select * from {{ ref('int_lifecycle_customers_listed') }}
),

purchase_days as (
    select * from {{ ref('int_lifecycle_purchase_days_sequenced') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

stages as (
    select * from {{ ref('lifecycle_stages') }}
),

current_stages as (
    select * from {{ ref('fct_customer_lifecycle_history') }}
    where is_current
),

purchase_summary as (
    select
        one_id,
        min(purchase_on) as first_purchase_on,
        max(purchase_on) as last_purchase_on,
        max(case when is_comeback then purchase_on end) as last_comeback_on
    from purchase_days
    group by one_id
),

staged as (
    select
        customers.one_id,
        purchase_summary.first_purchase_on,
        purchase_summary.last_purchase_on,
        purchase_summary.last_comeback_on,
        cast(
            {{ dbt.datediff('purchase_summary.last_purchase_on', 'as_of.as_of_date', 'day') }}
            as integer
        ) as days_since_last_purchase,
        {{ persona.lifecycle_stage(
            dbt.datediff('purchase_summary.first_purchase_on', 'as_of.as_of_date', 'day'),
            dbt.datediff('purchase_summary.last_purchase_on', 'as_of.as_of_date', 'day'),
            dbt.datediff('purchase_summary.last_comeback_on', 'as_of.as_of_date', 'day'),
        ) }} as lifecycle_stage,
        as_of.as_of_date
    from customers
    cross join as_of
    left join purchase_summary
        on customers.one_id = purchase_summary.one_id
),

final as (
    select
        staged.one_id,
        staged.lifecycle_stage,
        stages.lifecycle_stage_zh,
        stages.lifecycle_stage_name_en,
        current_stages.entered_on as stage_entered_on,
        cast(
            {{ dbt.datediff('current_stages.entered_on', 'staged.as_of_date', 'day') }}
            as integer
        ) as days_in_stage,
        staged.first_purchase_on,
        staged.last_purchase_on,
        staged.days_since_last_purchase,
        staged.last_comeback_on,
        staged.as_of_date
    from staged
    left join stages
        on staged.lifecycle_stage = stages.lifecycle_stage
    left join current_stages
        on staged.one_id = current_stages.one_id
)

select * from final
