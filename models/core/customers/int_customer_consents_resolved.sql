-- per OneID, what the person allows as of the as-of date: the latest CRM record's SMS and e-mail
-- opt-ins (latest wins), and whether a WeCom contact added by then is still in place
with members as (
    select
        {{ persona.one_id_coalesce('stg_crm__members') }} as one_id,
        members.member_version_id,
        members.is_sms_opt_in,
        members.is_email_opt_in,
        members.updated_at
    from {{ ref('stg_crm__members') }} as members
    {{- persona.one_id_joins('stg_crm__members', 'members') }}
    where {{ persona.on_or_before_as_of('members.updated_at') }}
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

latest_member_records as (
    select
        one_id,
        is_sms_opt_in,
        is_email_opt_in,
        updated_at,
        row_number() over (partition by one_id order by updated_at desc, member_version_id desc) as recency_rank
    from members
    where one_id is not null
),

consents as (
    select
        one_id,
        is_sms_opt_in,
        is_email_opt_in,
        updated_at as consent_updated_at
    from latest_member_records
    where recency_rank = 1
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
        consents.consent_updated_at,
        coalesce(wecom.has_wecom, false) as has_wecom,
        wecom.first_wecom_added_at
    from people
    left join consents on people.one_id = consents.one_id
    left join wecom on people.one_id = wecom.one_id
)

select * from final
