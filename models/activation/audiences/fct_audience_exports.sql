-- what each audience sends to each of its channels: one_id plus the channel's id, consent enforced, no raw PII
-- depends_on: {{ ref('int_audience_rule_members') }}
{%- set audiences = persona.audience_definitions() + persona.lookalike_expansions() %}
{%- set channel_rules = {
    'sms': ('phone_sha256', 'customers.phone_sha256', 'customers.is_sms_opt_in'),
    'email': ('email_sha256', 'customers.email_sha256', 'customers.is_email_opt_in'),
    'wecom': ('wecom_userid', 'wecom.wecom_userid', 'customers.has_wecom'),
} %}

with members as (
    select * from {{ ref('fct_audience_members') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

wecom as (
    select
        one_id,
        max(identifier_value) as wecom_userid
    from {{ ref('dim_identifiers') }}
    where
        identifier_type = 'wecom_userid' and one_id is not null
        -- a WeCom id that holds personal data is shown hashed (not as displayed): WeCom cannot
        -- message a hash, and the raw value may not leave the warehouse, so it is not exported
        and identifier_value = identifier_display
    group by one_id
),

exports as (
    {%- set branches = [] %}
    {%- for audience in audiences %}
        {%- for channel in audience.channels if channel in channel_rules %}
            {%- do branches.append((audience.code, channel)) %}
        {%- endfor %}
    {%- endfor %}
    {%- for audience_code, channel in branches %}
        {%- set identifier_type, identifier_column, consent_column = channel_rules[channel] %}
        select
            members.audience_code,
            '{{ channel }}' as channel,
            members.one_id,
            '{{ identifier_type }}' as identifier_type,
            {{ identifier_column }} as identifier_value
        from members
        inner join customers on members.one_id = customers.one_id
        left join wecom on members.one_id = wecom.one_id
        where
            members.audience_code = '{{ audience_code }}'
            and coalesce({{ consent_column }}, false)
            and {{ identifier_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as audience_code,
            cast(null as {{ dbt.type_string() }}) as channel,
            cast(null as {{ dbt.type_string() }}) as one_id,
            cast(null as {{ dbt.type_string() }}) as identifier_type,
            cast(null as {{ dbt.type_string() }}) as identifier_value
        where false
    {%- endfor %}
),

final as (
    select
        audience_code,
        channel,
        one_id,
        identifier_type,
        identifier_value,
        {{ persona.as_of_date() }} as as_of_date
    from exports
)

select * from final
