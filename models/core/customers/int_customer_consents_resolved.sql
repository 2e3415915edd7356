-- per OneID, what the person allowed as of the as-of date (the analytics view; exports and
-- activation read marts.dim_customer_consents, consent as it stands at build time): per channel
-- the latest marketing decision on sms and email from the CRM flags and the consent events
-- (latest wins; at one time a withdrawal wins; a withdrawal in a set-aside row wins whenever it
-- was made), with the reason when the answer is "no" because rows were unusable or
-- contradictory; and whether a WeCom contact added by then is still in place
with decisions as (
    select
        one_id,
        channel,
        decision,
        recorded_at,
        set_aside_reason
    from {{ ref('int_consent_decisions') }}
    where
        purpose = 'marketing'
        and channel in ('sms', 'email')
        and decision_source != 'wecom_contacts'
        and (
            set_aside_reason is not null
            or {{ persona.on_or_before_as_of('recorded_at') }}
        )
),

contacts as (
    select
        {{ persona.one_id_coalesce('stg_wecom__contacts') }} as one_id,
        contacts.added_at,
        contacts.deleted_at
    from {{ ref('stg_wecom__contacts') }} as contacts
    {{- persona.one_id_joins('stg_wecom__contacts', 'contacts') }}
    where {{ persona.on_or_before_as_of('contacts.added_at') }}
),

latest_times as (
    select
        one_id,
        channel,
        max(recorded_at) as latest_recorded_at
    from decisions
    where set_aside_reason is null
    group by one_id, channel
),

per_channel as (
    select
        decisions.one_id,
        decisions.channel,
        max(latest_times.latest_recorded_at) as latest_recorded_at,
        -- the latest decisions (one time; several copies may disagree)
        count(distinct case when decisions.recorded_at = latest_times.latest_recorded_at then decisions.decision end)
        > 1 as is_contradictory,
        coalesce(bool_and(decisions.decision = 'granted') filter (
            where decisions.recorded_at = latest_times.latest_recorded_at
        ), false) as is_latest_granted,
        coalesce(bool_or(decisions.decision = 'unreadable') filter (
            where decisions.recorded_at = latest_times.latest_recorded_at
        ), false) as is_latest_unreadable,
        -- a set-aside row that does not grant: when it was made cannot be trusted, so it may be the latest
        coalesce(bool_or(decisions.decision != 'granted') filter (
            where decisions.set_aside_reason is not null
        ), false) as has_set_aside_refusal
    from decisions
    left join latest_times
        on decisions.one_id = latest_times.one_id and decisions.channel = latest_times.channel
    group by decisions.one_id, decisions.channel
),

resolved as (
    select
        one_id,
        channel,
        latest_recorded_at,
        is_latest_granted and not has_set_aside_refusal as is_opt_in,
        case
            when has_set_aside_refusal then 'refusal_in_set_aside_row'
            when is_contradictory then 'contradictory_at_same_time'
            when is_latest_unreadable then 'unreadable_decision'
        end as consent_issue
    from per_channel
),

consents as (
    select
        one_id,
        coalesce(bool_or(is_opt_in) filter (where channel = 'sms'), false) as is_sms_opt_in,
        coalesce(bool_or(is_opt_in) filter (where channel = 'email'), false) as is_email_opt_in,
        max(consent_issue) filter (where channel = 'sms') as sms_consent_issue,
        max(consent_issue) filter (where channel = 'email') as email_consent_issue,
        max(latest_recorded_at) as consent_updated_at
    from resolved
    group by one_id
),

-- a contact deleted after the as-of date was still in place on it
wecom as (
    select
        one_id,
        max(
            case
                when deleted_at is null or not ({{ persona.on_or_before_as_of("deleted_at") }}) then 1 else 0
            end
        ) = 1 as has_wecom,
        min(added_at) as first_wecom_added_at
    from contacts
    where one_id is not null
    group by one_id
),

people as (
    select one_id from consents
    union
    select one_id from wecom
),

final as (
    select
        people.one_id,
        coalesce(consents.is_sms_opt_in, false) as is_sms_opt_in,
        coalesce(consents.is_email_opt_in, false) as is_email_opt_in,
        consents.sms_consent_issue,
        consents.email_consent_issue,
        consents.consent_updated_at,
        coalesce(wecom.has_wecom, false) as has_wecom,
        wecom.first_wecom_added_at
    from people
    left join consents on people.one_id = consents.one_id
    left join wecom on people.one_id = wecom.one_id
)

select * from final
