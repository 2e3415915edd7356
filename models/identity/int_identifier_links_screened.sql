-- every distinct link between two identifiers with its priority and the guard that drops it before clustering, if any
with links as (
    select * from {{ ref('int_identifier_links_observed') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

retracted_links as (
    select * from {{ ref('identity_retracted_links') }}
),

per_link as (
    select
        node_id_a,
        node_id_b,
        identifier_type_a,
        identifier_value_a,
        identifier_type_b,
        identifier_value_b,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(n_rows) as bigint) as n_rows,
        {{ dbt.listagg('source_model', "', '", 'order by source_model') }} as source_models
    from links
    group by node_id_a, node_id_b, identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b
),

-- a retraction names the link in either order
retracted as (
    select
        per_link.node_id_a,
        per_link.node_id_b,
        max(retracted_links.reason) as reason,
        max(retracted_links.author) as author,
        max(retracted_links.retracted_on) as retracted_on
    from per_link
    inner join retracted_links
        on
            (
                per_link.identifier_type_a = retracted_links.identifier_type_a
                and per_link.identifier_value_a = retracted_links.identifier_value_a
                and per_link.identifier_type_b = retracted_links.identifier_type_b
                and per_link.identifier_value_b = retracted_links.identifier_value_b
            )
            or (
                per_link.identifier_type_a = retracted_links.identifier_type_b
                and per_link.identifier_value_a = retracted_links.identifier_value_b
                and per_link.identifier_type_b = retracted_links.identifier_type_a
                and per_link.identifier_value_b = retracted_links.identifier_value_a
            )
    group by per_link.node_id_a, per_link.node_id_b
),

final as (
    select
        per_link.*,
        coalesce(link_rules.priority, 0) as priority,
        case
            when link_rules.identifier_type_a is null then 'type_pair_not_configured'
            when not link_rules.is_enabled then 'type_pair_disabled'
            when retracted.node_id_a is not null then 'retracted_link'
            when identifier_a.exclusion_reason is not null or identifier_b.exclusion_reason is not null
                then 'endpoint_excluded'
        end as exclusion_reason,
        case
            when link_rules.identifier_type_a is null
                then 'no row for this type pair in identity_link_rules'
            when not link_rules.is_enabled then link_rules.rationale
            when retracted.node_id_a is not null then retracted.reason
            when identifier_a.exclusion_reason is not null
                then {{ dbt.concat(['identifier_a.identifier_type', "' is '", 'identifier_a.exclusion_reason']) }}
            when identifier_b.exclusion_reason is not null
                then {{ dbt.concat(['identifier_b.identifier_type', "' is '", 'identifier_b.exclusion_reason']) }}
        end as exclusion_detail,
        retracted.author as excluded_by,
        retracted.retracted_on as excluded_on
    from per_link
    left join link_rules
        on
            per_link.identifier_type_a = link_rules.identifier_type_a
            and per_link.identifier_type_b = link_rules.identifier_type_b
    left join retracted
        on per_link.node_id_a = retracted.node_id_a and per_link.node_id_b = retracted.node_id_b
    inner join identifiers as identifier_a on per_link.node_id_a = identifier_a.node_id
    inner join identifiers as identifier_b on per_link.node_id_b = identifier_b.node_id
)

select * from final
