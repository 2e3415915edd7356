-- the generator's ground truth: identifier values several people share
with source as (
    select * from {{ source('truth', 'truth_black_holes') }}
),

final as (
    select
        identifier_type,
        identifier_value,
        kind as black_hole_kind,
        cast(n_persons as integer) as n_persons
    from source
)

select * from final
