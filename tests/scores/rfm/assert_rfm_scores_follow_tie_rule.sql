-- on every scoring date equal values share a score and a better value never gets a lower score
-- (R ranks all buyers; F and M rank the buyers of the window, and those without a purchase in it apart)
with monthly as (
    select
        month_end_on,
        frequency > 0 as bought_in_window,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score
    from {{ ref('fct_customer_rfm_monthly') }}
),

recency_blocks as (
    select
        month_end_on,
        recency_days as block_value,
        min(r_score) as min_score,
        max(r_score) as max_score
    from monthly
    group by month_end_on, recency_days
),

frequency_blocks as (
    select
        month_end_on,
        bought_in_window,
        frequency as block_value,
        min(f_score) as min_score,
        max(f_score) as max_score
    from monthly
    group by month_end_on, bought_in_window, frequency
),

monetary_blocks as (
    select
        month_end_on,
        bought_in_window,
        monetary as block_value,
        min(m_score) as min_score,
        max(m_score) as max_score
    from monthly
    group by month_end_on, bought_in_window, monetary
),

ordered as (
    select
        'recency' as measure,
        month_end_on,
        cast(block_value as double) as block_value,
        min_score,
        max_score,
        -- fewer days is better: the next block up in days must not score higher
        lag(max_score) over (partition by month_end_on order by block_value desc) as previous_worse_max_score
    from recency_blocks
    union all
    select
        'frequency' as measure,
        month_end_on,
        cast(block_value as double) as block_value,
        min_score,
        max_score,
        lag(max_score) over (
            partition by month_end_on, bought_in_window order by block_value
        ) as previous_worse_max_score
    from frequency_blocks
    union all
    select
        'monetary' as measure,
        month_end_on,
        cast(block_value as double) as block_value,
        min_score,
        max_score,
        lag(max_score) over (
            partition by month_end_on, bought_in_window order by block_value
        ) as previous_worse_max_score
    from monetary_blocks
),

final as (
    select *
    from ordered
    where min_score != max_score or min_score < previous_worse_max_score
)

select * from final
