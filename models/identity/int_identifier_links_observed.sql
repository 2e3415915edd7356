-- every pair of identifiers that one staging row carried together, per staging model (the raw evidence)
with sightings as (
    select * from {{ ref('int_identifier_sightings') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_observed') }}
),

pairs as (
    {{ persona.identifier_pairs('sightings') }}
),

per_source as (
    select
        source_model,
        identifier_type_a,
        identifier_value_a,
        identifier_type_b,
        identifier_value_b,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(n_rows) as bigint) as n_rows
    from pairs
    group by source_model, identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b
),

final as (
    select
        node_a.node_id as node_id_a,
        node_b.node_id as node_id_b,
        per_source.*
    from per_source
    inner join identifiers as node_a
        on
            per_source.identifier_type_a = node_a.identifier_type
            and per_source.identifier_value_a = node_a.identifier_value
    inner join identifiers as node_b
        on
            per_source.identifier_type_b = node_b.identifier_type
            and per_source.identifier_value_b = node_b.identifier_value
)

select * from final
