-- no audience export row belongs to a person without consent (as it stands at build time) for its
-- channel's purpose, or under a restriction, or to a channel the audience does not use; an SMS or
-- ad-platform row carries the person's hashed phone, an e-mail row their hashed e-mail
with exports as (
    select * from {{ ref('fct_audience_exports') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

consents as (
    select * from {{ ref('dim_customer_consents') }}
),

audiences as (
    select * from {{ ref('dim_audiences') }}
)

select
    exports.audience_code,
    exports.channel,
    exports.one_id
from exports
left join customers on exports.one_id = customers.one_id
left join consents
    on
        exports.one_id = consents.one_id
        and exports.channel = consents.channel
        and consents.purpose = case when exports.channel = 'ad_platform' then 'third_party_sharing' else 'marketing' end
left join audiences on exports.audience_code = audiences.audience_code
where
    not coalesce(consents.is_consented, false)
    or coalesce(customers.is_restricted, true)
    or (exports.channel = 'ad_platform' and coalesce(consents.legal_basis, '') != 'separate_consent')
    or not coalesce(
        case exports.channel
            when 'sms' then customers.phone_sha256 = exports.identifier_value
            when 'ad_platform' then customers.phone_sha256 = exports.identifier_value
            when 'email' then customers.email_sha256 = exports.identifier_value
            when 'wecom' then true
        end,
        false
    )
    or {{ dbt.position("exports.channel", "audiences.channels") }} = 0
