-- every tag value of every person, one row per (one_id, tag_code) with a known value (false and 0 included)
{%- set catalog = persona.tag_catalog() %}

with tag_values as (
    select * from {{ ref('int_customer_tag_values') }}
),

final as (
    {%- for tag in catalog %}
        select
            one_id,
            '{{ tag.code }}' as tag_code,
            '{{ tag.category }}' as tag_category,
            {{ persona.tag_value_as_string(tag.code, tag.value_type) }} as tag_value,
            as_of_date
        from tag_values
        where {{ tag.code }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
