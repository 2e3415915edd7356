-- how many customers moved from each lifecycle stage at the previous month end to each stage at this month end
with history as (
    select * from {{ ref('fct_customer_lifecycle_history') }}
),

month_ends as (
    select month_end_on from {{ ref('int_month_ends_listed') }}
),

stage_names as (
    select * from {{ ref('lifecycle_stages') }}
),

stage_at_month_end as (
    select
        month_ends.month_end_on,
        history.one_id,
        history.lifecycle_stage
    from history
    inner join month_ends
        on
            history.entered_on <= month_ends.month_end_on
            and (history.exited_on is null or history.exited_on > month_ends.month_end_on)
),

counted as (
    select
        month_end_on,
        previous_month_end_on,
        from_state as from_stage,
        to_state as to_stage,
        customers
    from ({{ persona.month_end_moves('stage_at_month_end', 'lifecycle_stage', 'not_yet_known') }}) as moves
),

final as (
    select
        counted.month_end_on,
        counted.previous_month_end_on,
        counted.from_stage,
        coalesce(from_names.lifecycle_stage_zh, '尚未出现') as from_stage_zh,
        counted.to_stage,
        to_names.lifecycle_stage_zh as to_stage_zh,
        counted.customers,
        cast(counted.customers as double)
        / sum(counted.customers) over (
            partition by counted.month_end_on, counted.from_stage
        ) as share_of_from_stage,
        counted.from_stage = counted.to_stage as is_same_stage,
        {{ persona.as_of_date() }} as as_of_date
    from counted
    left join stage_names as from_names
        on counted.from_stage = from_names.lifecycle_stage
    left join stage_names as to_names
        on counted.to_stage = to_names.lifecycle_stage
)

select * from final
