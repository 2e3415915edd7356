-- the generator's ground truth: which real person (and which data-connected part of them) owns each identifier
with source as (
    select * from {{ source('truth', 'truth_identity') }}
),

final as (
    select
        identifier_type,
        identifier_value,
        person_id,
        coalesce(linkable_id, person_id) as linkable_id
    from source
    -- a person who asked to be erased is not in the truth either
    where not {{ persona.erased_in_truth('person_id') }}
)

select * from final
