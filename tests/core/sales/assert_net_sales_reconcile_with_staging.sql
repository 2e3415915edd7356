-- net sales and order counts in fct_orders equal those in staging, per source, up to the as-of date
-- (staging: paid orders not refunded, plus every till transaction including negative returns)
with as_of as (
    select as_of_end_at from {{ ref('int_as_of_date') }}
),

staged as (
    select
        'ecommerce' as source_system,
        count(*) as n_orders,
        sum(case when status not in ('created', 'cancelled', 'refunded') then order_amount else 0 end) as net_sales
    from {{ ref('stg_ecommerce__orders') }}
    where order_at < (select as_of.as_of_end_at from as_of)
    union all
    select
        'miniprogram' as source_system,
        count(*) as n_orders,
        sum(case when status not in ('created', 'cancelled', 'refunded') then order_amount else 0 end) as net_sales
    from {{ ref('stg_miniprogram__orders') }}
    where order_at < (select as_of.as_of_end_at from as_of)
    union all
    select
        'pos' as source_system,
        count(*) as n_orders,
        sum(txn_amount) as net_sales
    from {{ ref('stg_pos__transactions') }}
    where txn_at < (select as_of.as_of_end_at from as_of)
),

facts as (
    select
        source_system,
        count(*) as n_orders,
        sum(net_amount) as net_sales
    from {{ ref('fct_orders') }}
    group by source_system
),

compared as (
    select
        staged.source_system,
        staged.n_orders as staged_orders,
        facts.n_orders as fact_orders,
        staged.net_sales as staged_net_sales,
        facts.net_sales as fact_net_sales
    from staged
    left join facts on staged.source_system = facts.source_system
)

select * from compared
where coalesce(staged_orders, 0) != coalesce(fact_orders, 0)
    or coalesce(staged_net_sales, 0) != coalesce(fact_net_sales, 0)
