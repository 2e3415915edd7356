-- every usable identifier's final cluster and its stable OneID; excluded identifiers get none
with identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

components as (
    select * from {{ ref('int_identity_components') }}
),

resolved_links as (
    select * from {{ ref('int_identity_conflicts_resolved') }}
),

-- inside a conflicted component, the cluster the priority-ordered replay put each identifier in
resolved_nodes as (
    select
        node_id_a as node_id,
        min(cluster_id_a) as cluster_id
    from resolved_links
    group by node_id_a
    union
    select
        node_id_b as node_id,
        min(cluster_id_b) as cluster_id
    from resolved_links
    group by node_id_b
),

clustered as (
    select
        identifiers.*,
        coalesce(resolved_nodes.cluster_id, components.component_id) as cluster_id
    from identifiers
    inner join components on identifiers.node_id = components.node_id
    left join resolved_nodes on identifiers.node_id = resolved_nodes.node_id
),

-- the identifier that names the OneID: anchors (member id, card, unionid, WeCom id) first, then
-- the earliest seen, then type order and value. Deterministic from the members, and when two
-- OneIDs merge the one holding this identifier survives with its id (see DECISIONS.md)
ranked as (
    select
        *,
        row_number() over (
            partition by cluster_id
            order by is_anchor desc, first_seen_at asc, type_rank asc, identifier_value asc
        ) as key_rank
    from clustered
),

keys as (
    select
        cluster_id,
        identifier_type as key_identifier_type,
        identifier_value as key_identifier_value,
        {{ dbt.concat([
            "'oid_'",
            'substring(' ~ dbt.hash(dbt.concat(['identifier_type', "':'", 'identifier_value'])) ~ ', 1, 16)'
        ]) }} as one_id
    from ranked
    where key_rank = 1
),

final as (
    select
        clustered.node_id,
        clustered.identifier_type,
        clustered.identifier_value,
        clustered.cluster_id,
        keys.one_id,
        keys.key_identifier_type,
        keys.key_identifier_value,
        (
            clustered.identifier_type = keys.key_identifier_type
            and clustered.identifier_value = keys.key_identifier_value
        ) as is_key_identifier
    from clustered
    inner join keys on clustered.cluster_id = keys.cluster_id
)

select * from final
