-- the monthly RFM history at the as-of date is dim_customer_rfm: same customers, values, scores and segments
with dim as (
    select
        one_id,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_segment,
        value_tier
    from {{ ref('dim_customer_rfm') }}
),

monthly as (
    select
        one_id,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_segment,
        value_tier
    from {{ ref('fct_customer_rfm_monthly') }}
    where month_end_on = as_of_date
),

only_in_dim as (
    select * from dim
    except
    select * from monthly
),

only_in_monthly as (
    select * from monthly
    except
    select * from dim
),

final as (
    select
        'only in dim_customer_rfm' as side,
        only_in_dim.*
    from only_in_dim
    union all
    select
        'only in fct_customer_rfm_monthly at the as-of date' as side,
        only_in_monthly.*
    from only_in_monthly
)

select * from final
