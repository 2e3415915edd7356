-- one row per consent decision and the OneID, purpose and channel it applies to, from every
-- source of decisions: the consent events (raw contract v2; channel `all` expanded to every
-- channel), the CRM opt-in flags (marketing on sms and email, set-aside rows kept so that a
-- withdrawal is never lost) and WeCom contacts (added = a marketing grant on wecom, deleted = a
-- withdrawal unless another contact of the person is still in place). Every decision counts,
-- whatever the as-of date: the resolution for activation uses consent as it stands at build time.
with clusters as (
    select
        identifier_type,
        identifier_value,
        one_id
    from {{ ref('int_identity_clusters') }}
    where one_id is not null
),

channels as (
    {%- for channel in var('consent_channels') %}
        select '{{ channel }}' as channel
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

events as (
    select
        clusters.one_id,
        events.consent_event_id as consent_decision_id,
        'consent_events' as decision_source,
        events.source_system,
        events.purpose,
        events.channel as channel_given,
        events.status as decision,
        events.legal_basis,
        events.recorded_at,
        cast(null as {{ dbt.type_string() }}) as set_aside_reason
    from {{ ref('stg_privacy__consent_events') }} as events
    inner join clusters
        on
            events.identifier_type = clusters.identifier_type
            and events.identifier_value = clusters.identifier_value
),

events_expanded as (
    select
        events.one_id,
        events.consent_decision_id,
        events.decision_source,
        events.source_system,
        events.purpose,
        channels.channel,
        events.decision,
        events.legal_basis,
        events.recorded_at,
        events.set_aside_reason
    from events
    inner join channels
        on events.channel_given = channels.channel or events.channel_given = 'all'
),

crm as (
    select
        clusters.one_id,
        decisions.consent_decision_id,
        'crm_members' as decision_source,
        'crm' as source_system,
        decisions.purpose,
        decisions.channel,
        decisions.decision,
        'consent' as legal_basis,
        decisions.recorded_at,
        decisions.set_aside_reason
    from {{ ref('stg_crm__consent_decisions') }} as decisions
    inner join clusters
        on
            clusters.identifier_type = 'member_id'
            and decisions.member_id = clusters.identifier_value
),

contacts as (
    select distinct
        {{ persona.one_id_coalesce('stg_wecom__contacts') }} as one_id,
        contacts.wecom_userid,
        contacts.added_at,
        contacts.deleted_at
    from {{ ref('stg_wecom__contacts') }} as contacts
    {{- persona.one_id_joins('stg_wecom__contacts', 'contacts') }}
),

-- a deletion while another contact of the same person stays in place withdraws nothing
covered_deletions as (
    select distinct
        deleted.one_id,
        deleted.wecom_userid
    from contacts as deleted
    inner join contacts as other
        on
            deleted.one_id = other.one_id
            and deleted.wecom_userid != other.wecom_userid
            and deleted.deleted_at >= other.added_at
            and (other.deleted_at is null or deleted.deleted_at < other.deleted_at)
    where deleted.deleted_at is not null
),

wecom as (
    select
        one_id,
        {{ dbt.hash(dbt.concat(["'wecom_contacts#'", 'wecom_userid', "'#added'"])) }} as consent_decision_id,
        'wecom_contacts' as decision_source,
        'wecom' as source_system,
        'marketing' as purpose,
        'wecom' as channel,
        'granted' as decision,
        'consent' as legal_basis,
        added_at as recorded_at,
        cast(null as {{ dbt.type_string() }}) as set_aside_reason
    from contacts
    where one_id is not null and added_at is not null
    union all
    select
        contacts.one_id,
        {{ dbt.hash(dbt.concat(["'wecom_contacts#'", 'contacts.wecom_userid', "'#deleted'"])) }} as consent_decision_id,
        'wecom_contacts' as decision_source,
        'wecom' as source_system,
        'marketing' as purpose,
        'wecom' as channel,
        'withdrawn' as decision,
        'consent' as legal_basis,
        contacts.deleted_at as recorded_at,
        cast(null as {{ dbt.type_string() }}) as set_aside_reason
    from contacts
    left join covered_deletions
        on contacts.one_id = covered_deletions.one_id and contacts.wecom_userid = covered_deletions.wecom_userid
    where contacts.one_id is not null and contacts.deleted_at is not null and covered_deletions.one_id is null
),

final as (
    select * from events_expanded
    union all
    select * from crm
    union all
    select * from wecom
)

select * from final
