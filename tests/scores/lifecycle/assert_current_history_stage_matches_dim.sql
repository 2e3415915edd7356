-- each customer has exactly one current spell in the lifecycle history, with dim_customer_lifecycle's stage and start
with dim as (
    select * from {{ ref('dim_customer_lifecycle') }}
),

history as (
    select * from {{ ref('fct_customer_lifecycle_history') }}
),

current_spells as (
    select
        one_id,
        count(*) as current_spells,
        min(lifecycle_stage) as lifecycle_stage,
        min(entered_on) as entered_on
    from history
    where is_current
    group by one_id
),

history_customers as (
    select distinct one_id from history
),

final as (
    select
        coalesce(dim.one_id, current_spells.one_id) as one_id,
        dim.lifecycle_stage as dim_stage,
        current_spells.lifecycle_stage as history_stage,
        dim.stage_entered_on as dim_entered_on,
        current_spells.entered_on as history_entered_on,
        current_spells.current_spells
    from dim
    full outer join current_spells
        on dim.one_id = current_spells.one_id
    where
        dim.one_id is null
        or current_spells.one_id is null
        or current_spells.current_spells != 1
        or dim.lifecycle_stage != current_spells.lifecycle_stage
        or dim.stage_entered_on != current_spells.entered_on
    union all
    select
        history_customers.one_id,
        null as dim_stage,
        'no current spell' as history_stage,
        null as dim_entered_on,
        null as history_entered_on,
        0 as current_spells
    from history_customers
    left join current_spells
        on history_customers.one_id = current_spells.one_id
    where current_spells.one_id is null
)

select * from final
