-- the wide customer profile (用户画像宽表) for BI and audiences: one row per person, one column per tag
{%- set catalog = persona.tag_catalog() %}

with customers as (
    select * from {{ ref('dim_customers') }}
),

tag_values as (
    select * from {{ ref('int_customer_tag_values') }}
),

final as (
    select
        customers.one_id,
        customers.member_id,
        customers.phone_masked,
        customers.email_masked,
        customers.first_seen_at,
        customers.last_seen_at,
        {%- for tag in catalog %}
            tag_values.{{ tag.code }},
        {%- endfor %}
        customers.as_of_date
    from customers
    inner join tag_values on customers.one_id = tag_values.one_id
)

select * from final
