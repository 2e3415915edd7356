-- one row per customer and month end: the customer's RFM scores, segment and value tier as of that month end
with purchases as (
    select
        one_id,
        order_on as purchase_on,
        net_amount
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

snapshots as (
    select month_end_on as snapshot_on
    from {{ ref('int_month_ends_listed') }}
),

rfm as (
    {{ persona.rfm_as_of('purchases', 'snapshots') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

final as (
    select
        rfm.one_id,
        rfm.snapshot_on as month_end_on,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_cell,
        segments.rfm_segment,
        rfm.value_tier,
        {{ persona.as_of_date() }} as as_of_date
    from rfm
    left join segments
        on
            rfm.r_score = segments.r_score
            and rfm.f_score = segments.f_score
)

select * from final
