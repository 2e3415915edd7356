-- one row per OneID, purpose, channel and moment at which at least one decision was recorded:
-- the decision that counts at that moment (at equal times a withdrawal wins over an unreadable
-- decision, which wins over a grant; then the smaller decision id), whether the decisions of that
-- moment disagree, and whether a set-aside row of the same person, purpose and channel refuses
-- (its time cannot be trusted, so it is "no" at every moment)
with decisions as (
    select * from {{ ref('int_consent_decisions') }}
),

set_aside_refusals as (
    select distinct
        one_id,
        purpose,
        channel
    from decisions
    where set_aside_reason is not null and decision != 'granted'
),

timed as (
    select
        *,
        -- the decisions of one moment disagree when their codes differ (Spark has no distinct
        -- window aggregates)
        min(decision) over (partition by one_id, purpose, channel, recorded_at)
        != max(decision) over (partition by one_id, purpose, channel, recorded_at) as is_contradictory,
        row_number() over (
            partition by one_id, purpose, channel, recorded_at
            order by
                case decision when 'withdrawn' then 1 when 'granted' then 3 else 2 end,
                consent_decision_id
        ) as rank_at_moment
    from decisions
    where set_aside_reason is null and recorded_at is not null
),

final as (
    select
        timed.one_id,
        timed.purpose,
        timed.channel,
        timed.recorded_at,
        timed.decision,
        timed.consent_decision_id,
        timed.decision_source,
        timed.source_system,
        timed.legal_basis,
        set_aside_refusals.one_id is not null as has_set_aside_refusal,
        case
            when set_aside_refusals.one_id is not null then 'refusal_in_set_aside_row'
            when timed.is_contradictory then 'contradictory_at_same_time'
            when timed.decision = 'unreadable' then 'unreadable_decision'
        end as consent_issue
    from timed
    left join set_aside_refusals
        on
            timed.one_id = set_aside_refusals.one_id
            and timed.purpose = set_aside_refusals.purpose
            and timed.channel = set_aside_refusals.channel
    where timed.rank_at_moment = 1
)

select * from final
