-- no audience export row belongs to a person without consent for its channel, or to a channel the audience does not use
with exports as (
    select * from {{ ref('fct_audience_exports') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
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
left join audiences on exports.audience_code = audiences.audience_code
where
    not coalesce(
        case exports.channel
            when 'sms' then customers.is_sms_opt_in and customers.phone_sha256 = exports.identifier_value
            when 'email' then customers.is_email_opt_in and customers.email_sha256 = exports.identifier_value
            when 'wecom' then customers.has_wecom
        end,
        false
    )
    or {{ dbt.position("exports.channel", "audiences.channels") }} = 0
