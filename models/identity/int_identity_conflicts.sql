-- components that hold more identifiers of a type than one person may, or a pair that an override forces apart
with components as (
    select * from {{ ref('int_identity_components') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

separations as (
    select * from {{ ref('int_identity_separations') }}
),

type_counts as (
    select
        components.component_id,
        identifiers.identifier_type,
        count(*) as n_identifiers
    from components
    inner join identifiers on components.node_id = identifiers.node_id
    group by components.component_id, identifiers.identifier_type
),

over_limit as (
    select
        type_counts.component_id,
        'limit_exceeded' as conflict_reason,
        {{ dbt.concat([
            dbt.cast('type_counts.n_identifiers', dbt.type_string()), "' '", 'type_counts.identifier_type',
            "' identifiers; one person holds at most '", dbt.cast('identifier_types.max_per_one_id', dbt.type_string())
        ]) }} as conflict_detail
    from type_counts
    inner join identifier_types on type_counts.identifier_type = identifier_types.identifier_type
    where type_counts.n_identifiers > identifier_types.max_per_one_id
),

separated as (
    select
        component_a.component_id,
        'force_separated' as conflict_reason,
        {{ dbt.concat([
            'separations.identifier_type_a', "' and '", 'separations.identifier_type_b',
            "' forced apart: '", 'separations.reason'
        ]) }} as conflict_detail
    from separations
    inner join components as component_a on separations.node_id_a = component_a.node_id
    inner join components as component_b on separations.node_id_b = component_b.node_id
    where component_a.component_id = component_b.component_id
),

conflicts as (
    select * from over_limit
    union all
    select * from separated
),

final as (
    select
        component_id,
        {{ dbt.listagg('conflict_detail', "'; '", 'order by conflict_detail') }} as conflict_details,
        count(*) as n_conflicts
    from conflicts
    group by component_id
)

select * from final
