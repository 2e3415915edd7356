-- consent as it stands at build time: one row per OneID, purpose and channel with at least one
-- decision (none = no consent): the latest decision (latest wins; at equal times a withdrawal
-- wins; a refusal in a set-aside row wins whenever it was made), whether it allows contact, and
-- the decision it rests on. What every export, activation list and the compliance report read.
with decisions as (
    select * from {{ ref('int_consent_decisions') }}
),

timeline as (
    select * from {{ ref('int_consent_timeline') }}
),

latest as (
    select
        *,
        row_number() over (partition by one_id, purpose, channel order by recorded_at desc) as recency
    from timeline
),

subjects as (
    select distinct
        one_id,
        purpose,
        channel
    from decisions
),

-- a person, purpose and channel known only from set-aside rows: "no" when one of them refuses
set_aside_only as (
    select
        one_id,
        purpose,
        channel,
        max(case when decision != 'granted' then 1 else 0 end) = 1 as has_set_aside_refusal
    from decisions
    where set_aside_reason is not null
    group by one_id, purpose, channel
),

final as (
    select
        subjects.one_id,
        subjects.purpose,
        subjects.channel,
        coalesce(latest.decision = 'granted' and not latest.has_set_aside_refusal, false) as is_consented,
        latest.decision as status,
        coalesce(
            latest.consent_issue,
            case when latest.one_id is null and set_aside_only.has_set_aside_refusal then 'refusal_in_set_aside_row' end
        ) as consent_issue,
        latest.recorded_at as decided_at,
        latest.consent_decision_id,
        latest.decision_source,
        latest.source_system,
        latest.legal_basis
    from subjects
    left join latest
        on
            subjects.one_id = latest.one_id
            and subjects.purpose = latest.purpose
            and subjects.channel = latest.channel
            and latest.recency = 1
    left join set_aside_only
        on
            subjects.one_id = set_aside_only.one_id
            and subjects.purpose = set_aside_only.purpose
            and subjects.channel = set_aside_only.channel
)

select * from final
