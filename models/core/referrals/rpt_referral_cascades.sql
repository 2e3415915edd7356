-- one row per cascade: a first sharer (brought by nobody) and everyone brought through them, generation by generation
with referrals as (
    select * from {{ ref('fct_referrals') }}
),

cascades as (
    select
        root_one_id,
        count(*) as n_people,
        sum(case when generation = 1 then 1 else 0 end) as n_generation_1,
        sum(case when generation = 2 then 1 else 0 end) as n_generation_2,
        sum(case when generation >= 3 then 1 else 0 end) as n_generation_3_plus,
        max(generation) as max_generation,
        sum(case when has_purchase_30d then 1 else 0 end) as n_buyers_30d,
        sum(net_sales_30d) as net_sales_30d,
        min(referred_at) as started_at,
        max(referred_at) as last_referred_at,
        max(case when is_depth_capped then 1 else 0 end) = 1 as is_depth_capped
    from referrals
    group by root_one_id
),

final as (
    select
        cast(row_number() over (
            order by n_people desc, max_generation desc, net_sales_30d desc, root_one_id asc
        ) as bigint) as cascade_rank,
        root_one_id,
        cast(n_people as bigint) as n_people,
        cast(n_generation_1 as bigint) as n_generation_1,
        cast(n_generation_2 as bigint) as n_generation_2,
        cast(n_generation_3_plus as bigint) as n_generation_3_plus,
        cast(max_generation as integer) as max_generation,
        cast(n_buyers_30d as bigint) as n_buyers_30d,
        1e0 * n_buyers_30d / n_people as buyer_rate_30d,
        cast(net_sales_30d as decimal(18, 2)) as net_sales_30d,
        started_at,
        last_referred_at,
        is_depth_capped
    from cascades
)

select * from final
