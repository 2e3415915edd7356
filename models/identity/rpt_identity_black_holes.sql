-- each value the generator made several people share (its ground truth): did OneID exclude it, and did it merge people
with black_holes as (
    select * from {{ ref('stg_truth__black_holes') }}
),

identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

truth as (
    select * from {{ ref('stg_truth__identity') }}
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

-- the true owners of the identifiers that share the black hole's OneID (if it got one)
persons_in_one_id as (
    select
        clusters.one_id,
        count(distinct truth.person_id) as n_true_persons
    from clusters
    inner join truth
        on
            clusters.identifier_type = truth.identifier_type
            and clusters.identifier_value = truth.identifier_value
    group by clusters.one_id
),

final as (
    select
        black_holes.black_hole_kind,
        black_holes.identifier_type,
        {{ persona.public_identifier_value(
            'black_holes.identifier_type', 'black_holes.identifier_value',
            '(identifier_types.is_pii or ' ~ persona.looks_like_pii('black_holes.identifier_value') ~ ')'
        ) }} as identifier_value,
        black_holes.n_persons as n_persons_sharing,
        identifiers.identifier_value is not null as is_seen,
        identifiers.exclusion_reason,
        identifiers.exclusion_detail,
        clusters.one_id,
        coalesce(persons_in_one_id.n_true_persons, 0) as n_true_persons_in_one_id,
        case
            when identifiers.identifier_value is null then 'not_seen'
            when identifiers.exclusion_reason is not null then 'excluded'
            when coalesce(persons_in_one_id.n_true_persons, 0) > 1 then 'merged_people'
            else 'kept_harmless'
        end as fate
    from black_holes
    inner join identifier_types on black_holes.identifier_type = identifier_types.identifier_type
    left join identifiers
        on
            black_holes.identifier_type = identifiers.identifier_type
            and black_holes.identifier_value = identifiers.identifier_value
    left join clusters on identifiers.node_id = clusters.node_id
    left join persons_in_one_id on clusters.one_id = persons_in_one_id.one_id
)

select * from final
