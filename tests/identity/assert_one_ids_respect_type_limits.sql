-- no OneID holds more identifiers of a type than identity_identifier_types allows one person
with identifiers as (
    select * from {{ ref('dim_identifiers') }}
    where one_id is not null
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

type_counts as (
    select
        one_id,
        identifier_type,
        count(*) as n_identifiers
    from identifiers
    group by one_id, identifier_type
),

final as (
    select
        type_counts.one_id,
        type_counts.identifier_type,
        type_counts.n_identifiers,
        identifier_types.max_per_one_id
    from type_counts
    inner join identifier_types on type_counts.identifier_type = identifier_types.identifier_type
    where type_counts.n_identifiers > identifier_types.max_per_one_id
)

select * from final
