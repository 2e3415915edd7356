-- the tag catalog (标签体系) as a table: every tag with its names, category, values, meaning, rule and owner
-- depends_on: {{ ref('int_customer_tag_values') }}
{%- set catalog = persona.tag_catalog() %}
{%- set contract_types = {'boolean': 'boolean', 'category': 'varchar', 'number': 'double'} %}
{%- set categories = {} %}
{%- for category in persona.tag_categories() %}
    {%- do categories.update({category.code: category}) %}
{%- endfor %}

with catalog as (
    {%- for tag in catalog %}
        {%- set category = categories.get(tag.category, {}) %}
        select
            {{ loop.index }} as display_order,
            '{{ tag.code }}' as tag_code,
            {{ persona.sql_text_literal(tag.name_zh) }} as name_zh,
            {{ persona.sql_text_literal(tag.name_en) }} as name_en,
            '{{ tag.category }}' as tag_category,
            {{ persona.sql_text_literal(category.get('name_zh')) }} as tag_category_zh,
            {{ persona.sql_text_literal(category.get('name_en')) }} as tag_category_en,
            '{{ tag.value_type }}' as value_type,
            '{{ contract_types[tag.value_type] }}' as column_data_type,
            {{ persona.sql_text_literal((tag.get('values') or []) | join(', ')) }} as allowed_values,
            {{ persona.sql_text_literal(tag.get('values_from')) }} as values_from,
            {{ persona.sql_text_literal(tag.description) }} as description,
            {{ persona.sql_text_literal(tag.definition) }} as definition,
            {{ persona.sql_text_literal(tag.owner) }} as owner,  -- noqa: RF04
            {{ 'false' if tag.get('history') == false else 'true' }} as has_history
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        *,
        {{ persona.as_of_date() }} as as_of_date
    from catalog
)

select * from final
