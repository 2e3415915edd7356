-- one row per customer with a purchase up to the as-of date: recency, frequency, monetary, 1-5 scores, segment, tier
with purchases as (
    select
        one_id,
        order_on as purchase_on,
        net_amount
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

snapshots as (
    select as_of_date as snapshot_on
    from {{ ref('int_as_of_date') }}
),

rfm as (
    {{ persona.rfm_as_of('purchases', 'snapshots') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

tiers as (
    select * from {{ ref('rfm_value_tiers') }}
),

final as (
    select
        rfm.one_id,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.last_purchase_on,
        rfm.first_purchase_on,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_cell,
        segments.rfm_segment,
        segments.rfm_segment_zh,
        segments.rfm_segment_name_en,
        rfm.value_tier,
        tiers.value_tier_zh,
        rfm.snapshot_on as as_of_date
    from rfm
    left join segments
        on
            rfm.r_score = segments.r_score
            and rfm.f_score = segments.f_score
    left join tiers
        on rfm.value_tier = tiers.value_tier
)

select * from final
