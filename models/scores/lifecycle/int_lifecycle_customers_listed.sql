-- every known customer (OneID of dim_customers) and the day the brand first knew them: the population of the lifecycle
with customers as (
    select * from {{ ref('dim_customers') }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_observed') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- the first sighting of any of a customer's identifiers, campaign send lists included
first_sightings as (
    select
        clusters.one_id,
        min(identifiers.first_seen_at) as first_sighted_at
    from clusters
    inner join identifiers
        on clusters.node_id = identifiers.node_id
    cross join as_of
    where identifiers.first_seen_at < as_of.as_of_end_at
    group by clusters.one_id
),

final as (
    select
        customers.one_id,
        cast(coalesce(customers.first_seen_at, first_sightings.first_sighted_at) as date) as first_seen_on,
        customers.first_seen_at is null and first_sightings.first_sighted_at is not null as is_seen_in_send_list_only
    from customers
    left join first_sightings
        on customers.one_id = first_sightings.one_id
)

select * from final
