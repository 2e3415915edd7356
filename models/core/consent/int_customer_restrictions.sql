-- one row per OneID under a restriction request (PIPL: keep the data, never use it for
-- marketing, personalisation or sharing): the person stays in analytics and is in no export,
-- activation list, trigger list, recommendation or experiment assignment. A request matches a
-- person when its identifier digest is the digest of one of the person's identifiers; it applies
-- at once, whatever its date and the as-of date.
with requests as (
    select * from {{ ref('stg_privacy__erasure_requests') }}
    where request_type = 'restriction'
),

clusters as (
    select
        one_id,
        identifier_type,
        {{ persona.identifier_digest('identifier_type', 'identifier_value') }} as identifier_digest
    from {{ ref('int_identity_clusters') }}
    where one_id is not null
),

final as (
    select
        clusters.one_id,
        min(requests.requested_at) as first_requested_at,
        cast(count(distinct requests.request_id) as bigint) as n_requests
    from requests
    inner join clusters
        on
            requests.identifier_type = clusters.identifier_type
            and requests.identifier_digest = clusters.identifier_digest
    group by clusters.one_id
)

select * from final
