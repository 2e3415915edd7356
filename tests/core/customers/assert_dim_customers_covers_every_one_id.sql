-- dim_customers has a row for every OneID of the identity graph (buyers and never-bought prospects alike) and no other
with clusters as (
    select distinct one_id
    from {{ ref('int_identity_clusters') }}
    where one_id is not null
),

customers as (
    select one_id from {{ ref('dim_customers') }}
),

final as (
    select
        coalesce(clusters.one_id, customers.one_id) as one_id,
        case when customers.one_id is null then 'missing from dim_customers' else 'not a OneID' end as problem
    from clusters
    full outer join customers on clusters.one_id = customers.one_id
    where clusters.one_id is null or customers.one_id is null
)

select * from final
