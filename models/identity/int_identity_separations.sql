-- the identifier pairs that an override forces into different OneIDs (identity_force_separate), as graph nodes
with force_separate as (
    select * from {{ ref('identity_force_separate') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

final as (
    select
        identifier_a.node_id as node_id_a,
        identifier_b.node_id as node_id_b,
        force_separate.identifier_type_a,
        force_separate.identifier_value_a,
        force_separate.identifier_type_b,
        force_separate.identifier_value_b,
        force_separate.reason,
        force_separate.author,
        force_separate.separated_on
    from force_separate
    inner join identifiers as identifier_a
        on
            force_separate.identifier_type_a = identifier_a.identifier_type
            and force_separate.identifier_value_a = identifier_a.identifier_value
    inner join identifiers as identifier_b
        on
            force_separate.identifier_type_b = identifier_b.identifier_type
            and force_separate.identifier_value_b = identifier_b.identifier_value
)

select * from final
