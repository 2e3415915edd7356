-- a customer's stage spells follow each other without gap or overlap, each differs from the one before,
-- and only the last is open
with history as (
    select
        one_id,
        lifecycle_stage,
        previous_lifecycle_stage,
        entered_on,
        exited_on,
        is_current,
        as_of_date,
        lag(lifecycle_stage) over (partition by one_id order by entered_on) as stage_before,
        lead(entered_on) over (partition by one_id order by entered_on) as next_entered_on
    from {{ ref('fct_customer_lifecycle_history') }}
),

final as (
    select *
    from history
    where
        exited_on is distinct from next_entered_on
        or previous_lifecycle_stage is distinct from stage_before
        or lifecycle_stage = stage_before
        or is_current != (exited_on is null)
        or entered_on >= exited_on
        or entered_on > as_of_date
)

select * from final
