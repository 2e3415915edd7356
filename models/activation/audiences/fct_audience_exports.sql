-- what each audience sends to each of its channels: one_id plus the channel's id and the consent
-- it rests on; consent (as it stands at build time) and restrictions enforced, no raw PII
with candidates as (
    select * from {{ ref('int_audience_export_candidates') }}
    where withheld_reason is null
),

final as (
    select
        audience_code,
        channel,
        one_id,
        identifier_type,
        identifier_value,
        consent_purpose,
        legal_basis,
        consent_decision_id,
        {{ persona.as_of_date() }} as as_of_date
    from candidates
)

select * from final
