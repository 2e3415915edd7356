-- the segment migration report at the as-of date ends with as many customers in each segment as dim_customer_rfm has
with migration as (
    select
        to_segment as rfm_segment,
        sum(customers) as customers
    from {{ ref('rpt_rfm_segment_migration') }}
    where month_end_on = as_of_date
    group by to_segment
),

dim as (
    select
        rfm_segment,
        count(*) as customers
    from {{ ref('dim_customer_rfm') }}
    group by rfm_segment
),

final as (
    select
        coalesce(migration.rfm_segment, dim.rfm_segment) as rfm_segment,
        migration.customers as customers_in_report,
        dim.customers as customers_in_dim
    from migration
    full outer join dim
        on migration.rfm_segment = dim.rfm_segment
    where migration.customers is distinct from dim.customers
)

select * from final
