-- every OneID on a fact row (orders, lines, events, sessions, tickets, campaign touches) is in dim_customers
with customers as (
    select one_id from {{ ref('dim_customers') }}
),

fact_one_ids as (
    select distinct
        'fct_orders' as fact_model,
        one_id
    from {{ ref('fct_orders') }}
    union all
    select distinct
        'fct_order_items' as fact_model,
        one_id
    from {{ ref('fct_order_items') }}
    union all
    select distinct
        'fct_events' as fact_model,
        one_id
    from {{ ref('fct_events') }}
    union all
    select distinct
        'fct_sessions' as fact_model,
        one_id
    from {{ ref('fct_sessions') }}
    union all
    select distinct
        'fct_service_tickets' as fact_model,
        one_id
    from {{ ref('fct_service_tickets') }}
    union all
    select distinct
        'fct_campaign_touches' as fact_model,
        one_id
    from {{ ref('fct_campaign_touches') }}
),

final as (
    select
        fact_one_ids.fact_model,
        fact_one_ids.one_id
    from fact_one_ids
    left join customers on fact_one_ids.one_id = customers.one_id
    where fact_one_ids.one_id is not null and customers.one_id is null
)

select * from final
