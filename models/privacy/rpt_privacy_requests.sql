-- one row per data-subject request received (erasure or restriction): where it stands, for the
-- privacy officer; no identifier, digest or OneID
with ledger as (
    select * from {{ ref('privacy_erasure_ledger') }}
),

-- requests still staged: an applied erasure request is removed with the person it erased
requests as (
    select * from {{ ref('stg_privacy__erasure_requests') }}
    where request_id not in (select ledger.request_id from ledger)
),

suppressed as (
    select identifier_digest from {{ ref('privacy_erased_identifiers') }}
),

clusters as (
    select {{ persona.identifier_digest('identifier_type', 'identifier_value') }} as identifier_digest
    from {{ ref('int_identity_clusters') }}
),

shared as (
    select {{ persona.identifier_digest('identifier_type', 'identifier_value') }} as identifier_digest
    from {{ ref('int_identifiers_screened') }}
    where exclusion_reason is not null
),

applied as (
    select
        request_id,
        request_type,
        requested_at,
        applied_at,
        case when is_person_found then 'erased' else 'erased_no_person_found' end as status,
        rows_removed,
        rows_removed_by_table
    from ledger
),

open_requests as (
    select
        request_id,
        request_type,
        requested_at,
        cast(null as timestamp) as applied_at,
        case
            when identifier_digest in (select shared.identifier_digest from shared) then 'shared_identifier'
            when request_type = 'restriction'
                and identifier_digest in (select clusters.identifier_digest from clusters) then 'restricted'
            when identifier_digest in (select suppressed.identifier_digest from suppressed) then 'person_already_erased'
            else 'pending'
        end as status,
        cast(null as bigint) as rows_removed,
        cast(null as {{ dbt.type_string() }}) as rows_removed_by_table
    from requests
),

final as (
    select * from applied
    union all
    select * from open_requests
)

select * from final
