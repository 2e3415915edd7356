-- one row per person brought by a share or invite: by whom, how, where in the chain, what they bought in 30 days
{%- set days = var('referral_conversion_days') | int %}
with edges as (
    select * from {{ ref('int_referral_edges') }}
),

ancestors as (
    select * from {{ ref('int_referral_ancestors') }}
),

orders as (
    select
        one_id,
        order_at,
        is_purchase,
        net_amount
    from {{ ref('fct_orders') }}
    where one_id is not null
),

as_of as (
    select
        as_of_date,
        as_of_end_at
    from {{ ref('int_as_of_date') }}
),

chains as (
    select
        one_id,
        max(distance) as generation,
        max(case when is_depth_capped then 1 else 0 end) = 1 as is_depth_capped
    from ancestors
    group by one_id
),

roots as (
    select
        chains.one_id,
        ancestors.ancestor_one_id as root_one_id
    from chains
    inner join ancestors
        on chains.one_id = ancestors.one_id
            and chains.generation = ancestors.distance
),

-- orders from the arrival until var('referral_conversion_days') days later (fct_orders stops at the as-of date)
outcomes as (
    select
        edges.referred_one_id,
        min(case when orders.is_purchase then orders.order_at end) as first_purchase_at,
        sum(case when orders.is_purchase then 1 else 0 end) as n_purchases,
        sum(orders.net_amount) as net_sales
    from edges
    inner join orders
        on edges.referred_one_id = orders.one_id
            and edges.referred_at <= orders.order_at
            and orders.order_at < {{ dbt.dateadd('day', days, 'edges.referred_at') }}
    group by edges.referred_one_id
),

final as (
    select
        edges.referred_one_id,
        edges.referrer_one_id,
        edges.channel,
        edges.referred_at,
        edges.referral_event_at,
        cast(chains.generation as integer) as generation,
        roots.root_one_id,
        chains.is_depth_capped,
        outcomes.first_purchase_at as first_purchase_at_30d,
        coalesce(outcomes.n_purchases, 0) > 0 as has_purchase_30d,
        cast(coalesce(outcomes.n_purchases, 0) as bigint) as n_purchases_30d,
        cast(coalesce(outcomes.net_sales, 0) as decimal(18, 2)) as net_sales_30d,
        {{ dbt.dateadd('day', days, 'edges.referred_at') }} <= as_of.as_of_end_at as is_window_complete,
        as_of.as_of_date
    from edges
    cross join as_of
    inner join chains on edges.referred_one_id = chains.one_id
    inner join roots on edges.referred_one_id = roots.one_id
    left join outcomes on edges.referred_one_id = outcomes.referred_one_id
)

select * from final
