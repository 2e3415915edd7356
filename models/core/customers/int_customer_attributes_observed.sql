-- every value a source offers for a golden-record field, per OneID (var customer_attribute_sources),
-- observed on or before the as-of date; phone, e-mail and member id only when the graph kept them for that OneID
with candidates as (
    {{ persona.customer_attribute_candidates() }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

-- a field that is an identifier type (phone, email, member_id) takes only values the graph kept for
-- this OneID: a placeholder, a number shared by many or one resolved to someone else is not this person's
checked as (
    select candidates.*
    from candidates
    left join identifier_types on candidates.field = identifier_types.identifier_type
    left join clusters
        on
            candidates.field = clusters.identifier_type
            and candidates.value = clusters.identifier_value
    where
        identifier_types.identifier_type is null
        or candidates.one_id = clusters.one_id
),

final as (
    select
        one_id,
        field,
        source,
        value,
        min(first_observed_at) as first_observed_at,
        max(last_observed_at) as last_observed_at,
        cast(sum(n_rows) as {{ dbt.type_bigint() }}) as n_rows
    from checked
    group by one_id, field, source, value
)

select * from final
