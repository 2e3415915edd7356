-- one row per identifier ever seen: its OneID (null when excluded), when it was seen, why it was excluded
with identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

final as (
    select
        identifiers.identifier_type,
        {{ persona.public_identifier_value(
            'identifiers.identifier_type', 'identifiers.identifier_value', 'identifiers.is_pii'
        ) }} as identifier_value,
        {{ persona.identifier_display(
            'identifiers.identifier_type', 'identifiers.identifier_value', 'identifiers.is_pii'
        ) }} as identifier_display,
        clusters.one_id,
        coalesce(clusters.is_key_identifier, false) as is_key_identifier,
        identifiers.is_anchor,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.n_rows,
        identifiers.source_models,
        identifiers.exclusion_reason,
        identifiers.exclusion_detail,
        {{ persona.as_of_date() }} as as_of_date
    from identifiers
    left join clusters on identifiers.node_id = clusters.node_id
)

select * from final
