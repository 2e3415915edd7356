-- every rule tag of every person, one typed column per tag of the catalog (tag_catalog.yml), in one select
{#- the catalog is this model's config.meta.tag_catalog (persona.tag_catalog reads it; a unit test passes it
    as var config_under_test) -#}
{%- set catalog = persona.tag_catalog() %}

with features as (
    select * from {{ ref('int_customer_features') }}
),

final as (
    select
        one_id,
        {%- for tag in catalog %}
            cast(({{ tag.definition | trim }}) as {{ persona.tag_sql_type(tag.value_type) }}) as {{ tag.code }},
        {%- endfor %}
        as_of_date
    from features
)

select * from final
