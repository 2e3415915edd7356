-- how many customers moved from each RFM segment at the previous month end to each segment at this month end
with monthly as (
    select * from {{ ref('fct_customer_rfm_monthly') }}
),

segment_names as (
    select distinct
        rfm_segment,
        rfm_segment_zh
    from {{ ref('rfm_segments') }}
),

counted as (
    select
        month_end_on,
        previous_month_end_on,
        from_state as from_segment,
        to_state as to_segment,
        customers
    from ({{ persona.month_end_moves('monthly', 'rfm_segment', 'no_purchase_yet') }}) as moves
),

final as (
    select
        counted.month_end_on,
        counted.previous_month_end_on,
        counted.from_segment,
        coalesce(from_names.rfm_segment_zh, '尚未购买') as from_segment_zh,
        counted.to_segment,
        to_names.rfm_segment_zh as to_segment_zh,
        counted.customers,
        cast(counted.customers as double)
        / sum(counted.customers) over (
            partition by counted.month_end_on, counted.from_segment
        ) as share_of_from_segment,
        counted.from_segment = counted.to_segment as is_same_segment,
        {{ persona.as_of_date() }} as as_of_date
    from counted
    left join segment_names as from_names
        on counted.from_segment = from_names.rfm_segment
    left join segment_names as to_names
        on counted.to_segment = to_names.rfm_segment
)

select * from final
