-- every identifier and link that a OneID guard excluded, with the rule, who decided and when
-- built after erasure (the guards' decisions about an erased person are gone by then):
-- depends_on: {{ ref('int_identity_clusters') }}
with identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

screened_links as (
    select * from {{ ref('int_identifier_links_screened') }}
),

resolved_links as (
    select * from {{ ref('int_identity_conflicts_resolved') }}
),

excluded_identifiers as (
    select
        'identifier' as excluded_object,
        identifier_type as identifier_type_a,
        {{ persona.public_identifier_value('identifier_type', 'identifier_value', 'is_pii') }} as identifier_value_a,
        cast(null as {{ dbt.type_string() }}) as identifier_type_b,
        cast(null as {{ dbt.type_string() }}) as identifier_value_b,
        exclusion_reason,
        exclusion_detail,
        source_models,
        n_rows,
        excluded_by as decided_by,
        rule_added_on as decided_on
    from identifiers
    where exclusion_reason is not null
),

excluded_links as (
    select
        'link' as excluded_object,
        screened_links.identifier_type_a,
        {{ persona.public_identifier_value(
            'screened_links.identifier_type_a', 'screened_links.identifier_value_a', 'identifier_a.is_pii'
        ) }} as identifier_value_a,
        screened_links.identifier_type_b,
        {{ persona.public_identifier_value(
            'screened_links.identifier_type_b', 'screened_links.identifier_value_b', 'identifier_b.is_pii'
        ) }} as identifier_value_b,
        coalesce(screened_links.exclusion_reason, resolved_links.exclusion_reason) as exclusion_reason,
        coalesce(screened_links.exclusion_detail, resolved_links.exclusion_detail) as exclusion_detail,
        screened_links.source_models,
        screened_links.n_rows,
        screened_links.excluded_by as decided_by,
        screened_links.excluded_on as decided_on
    from screened_links
    inner join identifiers as identifier_a on screened_links.node_id_a = identifier_a.node_id
    inner join identifiers as identifier_b on screened_links.node_id_b = identifier_b.node_id
    left join resolved_links
        on
            screened_links.node_id_a = resolved_links.node_id_a
            and screened_links.node_id_b = resolved_links.node_id_b
    where screened_links.exclusion_reason is not null or resolved_links.exclusion_reason is not null
),

final as (
    select * from excluded_identifiers
    union all
    select * from excluded_links
)

select * from final
