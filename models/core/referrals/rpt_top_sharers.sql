-- the var('referral_top_sharers_n') people whose shares brought the most people, and what those bought
with sharers as (
    select * from {{ ref('dim_customer_referrals') }}
    where n_people_brought > 0
),

ranked as (
    select
        cast(row_number() over (
            order by n_people_brought desc, n_brought_buyers_30d desc, brought_net_sales_30d desc, one_id asc
        ) as bigint) as sharer_rank,
        one_id,
        n_people_brought,
        n_brought_buyers_30d,
        1e0 * n_brought_buyers_30d / n_people_brought as brought_buyer_rate_30d,
        brought_net_sales_30d,
        cascade_size,
        cascade_depth,
        cascade_net_sales_30d,
        is_referred,
        is_koc,
        first_brought_at,
        last_brought_at
    from sharers
),

final as (
    select * from ranked
    where sharer_rank <= {{ var('referral_top_sharers_n') }}
)

select * from final
