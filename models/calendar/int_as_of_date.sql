-- the one as-of date every model is computed as of: var('as_of') when set, else the latest customer activity date
{#- which staging column dates a row, and whether it is customer activity: var('activity_dates') -#}
{%- set activity = [] %}
{%- for entry in persona.activity_dates() if entry.get('customer_activity', true) %}
    {%- do activity.append(entry) %}
{%- endfor %}
{%- set as_of = persona.as_of_var() %}

with activity as (
    {% for entry in activity %}
        select max({{ entry['column'] }}) as last_activity_at from {{ ref(entry['model']) }}
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
        latest_activity_date,
        -- the date model state (cluster centres) is fitted as of: var model_refit_every
        {{ persona.refit_on('as_of_date') }} as refit_on
    from chosen
)

select * from final
