-- one row per usable consent decision: who (an identifier in normal form), which purpose and
-- channel, granted or withdrawn, when, and on which legal basis
with base as (
    select * from {{ ref('base_privacy__consent_events') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        consent_event_id,
        identifier_type,
        identifier_value,
        purpose,
        channel,
        status,
        legal_basis,
        recorded_at,
        source_system
    from base
)

select * from final
