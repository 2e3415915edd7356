-- every lifecycle stage each customer has been in up to the as-of date, with the day it began and the day it ended
{%- set thresholds = persona.lifecycle_thresholds() %}

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

-- the only days a stage can change: first seen, a purchase day, and the day after each threshold
candidate_days as (
    select
        customers.one_id,
        coalesce(customers.first_seen_on, as_of.as_of_date) as change_on,
        false as is_purchase_day,
        false as is_comeback
    from customers
    cross join as_of
    union all
    select
        purchase_days.one_id,
        purchase_days.purchase_on as change_on,
        true as is_purchase_day,
        purchase_days.is_comeback
    from purchase_days
    union all
    select
        purchase_days.one_id,
        cast({{ dbt.dateadd('day', thresholds['active_days'] + 1, 'purchase_days.purchase_on') }} as date)
            as change_on,
        false as is_purchase_day,
        false as is_comeback
    from purchase_days
    union all
    select
        purchase_days.one_id,
        cast({{ dbt.dateadd('day', thresholds['churn_days'] + 1, 'purchase_days.purchase_on') }} as date)
            as change_on,
        false as is_purchase_day,
        false as is_comeback
    from purchase_days
    union all
    select
        purchase_days.one_id,
        cast({{ dbt.dateadd('day', thresholds['new_days'] + 1, 'purchase_days.purchase_on') }} as date)
            as change_on,
        false as is_purchase_day,
        false as is_comeback
    from purchase_days
    where purchase_days.purchase_day_number = 1
),

change_days as (
    select
        candidate_days.one_id,
        candidate_days.change_on,
        {{ dbt.bool_or('candidate_days.is_purchase_day') }} as is_purchase_day,
        {{ dbt.bool_or('candidate_days.is_comeback') }} as is_comeback
    from candidate_days
    cross join as_of
    where candidate_days.change_on <= as_of.as_of_date
    group by candidate_days.one_id, candidate_days.change_on
),

dated as (
    select
        one_id,
        change_on,
        min(case when is_purchase_day then change_on end) over (partition by one_id) as first_purchase_on,
        max(case when is_purchase_day then change_on end) over (
            partition by one_id order by change_on rows between unbounded preceding and current row
        ) as last_purchase_on,
        max(case when is_comeback then change_on end) over (
            partition by one_id order by change_on rows between unbounded preceding and current row
        ) as last_comeback_on
    from change_days
),

staged as (
    select
        one_id,
        change_on,
        {{ persona.lifecycle_stage(
            dbt.datediff('first_purchase_on', 'change_on', 'day'),
            dbt.datediff('last_purchase_on', 'change_on', 'day'),
            dbt.datediff('last_comeback_on', 'change_on', 'day'),
        ) }} as lifecycle_stage
    from dated
),

compared as (
    select
        one_id,
        change_on,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by one_id order by change_on) as previous_lifecycle_stage
    from staged
),

entered as (
    select
        one_id,
        lifecycle_stage,
        previous_lifecycle_stage,
        change_on as entered_on,
        lead(change_on) over (partition by one_id order by change_on) as exited_on
    from compared
    where previous_lifecycle_stage is null or previous_lifecycle_stage != lifecycle_stage
),

spells as (
    select
        entered.*,
        coalesce(entered.exited_on, as_of.as_of_date) as spell_end_on
    from entered
    cross join as_of
),

final as (
    select
        spells.one_id,
        spells.lifecycle_stage,
        stages.lifecycle_stage_zh,
        spells.previous_lifecycle_stage,
        spells.entered_on,
        spells.exited_on,
        spells.exited_on is null as is_current,
        cast(
            {{ dbt.datediff('spells.entered_on', 'spells.spell_end_on', 'day') }}
            as integer
        ) as days_in_stage,
        as_of.as_of_date
    from spells
    cross join as_of
    left join stages
        on spells.lifecycle_stage = stages.lifecycle_stage
)

select * from final
