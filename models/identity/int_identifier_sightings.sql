-- the distinct combinations of identifiers one staging row carries, per staging model (var identity_sources)
with sightings as (
    {{ persona.identifier_sightings() }}
),

final as (
    select * from sightings
)

select * from final
