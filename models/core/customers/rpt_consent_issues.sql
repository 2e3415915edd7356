-- one row per channel and consent issue: how many persons count as not consenting on that channel
-- because their CRM consent rows were unusable or contradictory (a withdrawal is never lost)
with consents as (
    select * from {{ ref('int_customer_consents_resolved') }}
),

issues as (
    select
        'sms' as channel,
        sms_consent_issue as consent_issue
    from consents
    where sms_consent_issue is not null
    union all
    select
        'email' as channel,
        email_consent_issue as consent_issue
    from consents
    where email_consent_issue is not null
),

descriptions as (
    select * from {{ ref('consent_issue_codes') }}
),

final as (
    select
        issues.channel,
        issues.consent_issue,
        cast(count(*) as bigint) as persons,
        descriptions.description_en,
        descriptions.description_zh
    from issues
    inner join descriptions on issues.consent_issue = descriptions.consent_issue
    group by issues.channel, issues.consent_issue, descriptions.description_en, descriptions.description_zh
)

select * from final
