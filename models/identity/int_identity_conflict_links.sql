-- the usable links inside components with a conflict: the input of the priority-ordered resolution
with conflicts as (
    select * from {{ ref('int_identity_conflicts') }}
),

components as (
    select * from {{ ref('int_identity_components') }}
),

links as (
    select * from {{ ref('int_identifier_links_screened') }}
    where exclusion_reason is null
),

final as (
    select
        components.component_id,
        links.node_id_a,
        links.node_id_b,
        links.identifier_type_a,
        links.identifier_type_b,
        links.priority,
        links.first_seen_at,
        links.n_rows
    from links
    inner join components on links.node_id_a = components.node_id
    inner join conflicts on components.component_id = conflicts.component_id
)

select * from final
