-- the one as-of date every mart is computed as of: var('as_of') when set, else the latest activity date
{%- set activity = [
    ('stg_crm__members', 'updated_at'),
    ('stg_web__events', 'event_at'),
    ('stg_app__events', 'event_at'),
    ('stg_miniprogram__events', 'event_at'),
    ('stg_miniprogram__orders', 'order_at'),
    ('stg_ecommerce__orders', 'order_at'),
    ('stg_pos__transactions', 'txn_at'),
    ('stg_wecom__contacts', 'added_at'),
    ('stg_service__tickets', 'created_at'),
] %}
{%- set as_of = persona.as_of_var() %}

with activity as (
    {% for model_name, column in activity %}
        select max({{ column }}) as last_activity_at from {{ ref(model_name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

latest as (
    select cast(max(last_activity_at) as date) as latest_activity_date
    from activity
),

chosen as (
    select
        latest_activity_date,
        {% if as_of %}
            cast('{{ as_of }}' as date) as as_of_date,
            'var' as as_of_origin
        {% else %}
            latest_activity_date as as_of_date,
            'latest_activity' as as_of_origin
        {% endif %}
    from latest
),

final as (
    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as timestamp) as as_of_end_at,
        as_of_origin,
        latest_activity_date
    from chosen
)

select * from final
