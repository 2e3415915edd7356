{{ config(schema="privacy") }}
-- one row per usable data-subject request (erasure or restriction): the identifier as a digest only
with base as (
    select * from {{ ref('base_privacy__erasure_requests') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        request_id,
        request_type,
        identifier_type,
        identifier_digest,
        requested_at
    from base
)

select * from final
