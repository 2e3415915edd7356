-- the evidence: every link between two identifiers per source model, whether OneID used it, and why not
with observed as (
    select * from {{ ref('int_identifier_links_observed') }}
),

screened as (
    select * from {{ ref('int_identifier_links_screened') }}
),

resolved as (
    select * from {{ ref('int_identity_conflicts_resolved') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_observed') }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

decided as (
    select
        screened.node_id_a,
        screened.node_id_b,
        screened.priority,
        coalesce(screened.exclusion_reason, resolved.exclusion_reason) as exclusion_reason,
        coalesce(screened.exclusion_detail, resolved.exclusion_detail) as exclusion_detail
    from screened
    left join resolved
        on screened.node_id_a = resolved.node_id_a and screened.node_id_b = resolved.node_id_b
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'observed.identifier_type_a', "':'", 'observed.identifier_value_a', "'|'",
            'observed.identifier_type_b', "':'", 'observed.identifier_value_b'
        ])) }} as link_id,
        case when decided.exclusion_reason is null then cluster_a.one_id end as one_id,
        observed.identifier_type_a,
        {{ persona.public_identifier_value(
            'observed.identifier_type_a', 'observed.identifier_value_a', 'identifier_a.is_pii'
        ) }} as identifier_value_a,
        observed.identifier_type_b,
        {{ persona.public_identifier_value(
            'observed.identifier_type_b', 'observed.identifier_value_b', 'identifier_b.is_pii'
        ) }} as identifier_value_b,
        observed.source_model,
        observed.first_seen_at,
        observed.last_seen_at,
        observed.n_rows,
        decided.priority as link_priority,
        decided.exclusion_reason is null as is_used,
        decided.exclusion_reason,
        decided.exclusion_detail
    from observed
    inner join decided on observed.node_id_a = decided.node_id_a and observed.node_id_b = decided.node_id_b
    inner join identifiers as identifier_a on observed.node_id_a = identifier_a.node_id
    inner join identifiers as identifier_b on observed.node_id_b = identifier_b.node_id
    left join clusters as cluster_a on observed.node_id_a = cluster_a.node_id
)

select * from final
