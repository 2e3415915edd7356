-- one row per OneID, purpose, channel and decision period: from the moment a decision was
-- recorded (valid_from) to the next recorded decision (valid_to, null for the period in force
-- now), whether the person could be contacted for that purpose on that channel in the period, and
-- the decision that says so. Every decision counts, whatever the as-of date.
with timeline as (
    select * from {{ ref('int_consent_timeline') }}
),

final as (
    select
        one_id,
        purpose,
        channel,
        recorded_at as valid_from,
        lead(recorded_at) over (partition by one_id, purpose, channel order by recorded_at) as valid_to,
        decision as status,
        decision = 'granted' and not has_set_aside_refusal as is_consented,
        consent_issue,
        consent_decision_id,
        decision_source,
        source_system,
        legal_basis,
        lead(recorded_at) over (partition by one_id, purpose, channel order by recorded_at) is null as is_current
    from timeline
)

select * from final
