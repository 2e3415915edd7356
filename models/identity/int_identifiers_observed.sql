-- every identifier seen in any staging model, with a build-local integer node id for the graph
with sightings as (
    select * from {{ ref('int_identifier_sightings') }}
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

unpivoted as (
    {{ persona.unpivot_identifiers('sightings') }}
),

per_source as (
    select
        identifier_type,
        identifier_value,
        source_model,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(n_rows) as bigint) as n_rows
    from unpivoted
    group by identifier_type, identifier_value, source_model
),

per_identifier as (
    select
        identifier_type,
        identifier_value,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(n_rows) as bigint) as n_rows,
        {{ dbt.listagg('source_model', "', '", 'order by source_model') }} as source_models
    from per_source
    group by identifier_type, identifier_value
),

final as (
    select
        row_number() over (
            order by per_identifier.identifier_type, per_identifier.identifier_value
        ) as node_id,
        per_identifier.identifier_type,
        per_identifier.identifier_value,
        identifier_types.type_rank,
        identifier_types.is_anchor,
        identifier_types.is_shareable,
        -- personal data: a phone or e-mail, or a value of any other type that holds one (a member id
        -- that is a phone number, a cookie id that is an e-mail): marts show it only hashed and masked
        coalesce(identifier_types.is_pii, false)
        or {{ persona.looks_like_pii('per_identifier.identifier_value') }} as is_pii,
        per_identifier.first_seen_at,
        per_identifier.last_seen_at,
        per_identifier.n_rows,
        per_identifier.source_models
    from per_identifier
    left join identifier_types on per_identifier.identifier_type = identifier_types.identifier_type
)

select * from final
