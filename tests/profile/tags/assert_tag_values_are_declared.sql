-- every value of a yes/no tag is 'true' or 'false', and every value of a category tag with a list is in the list
{%- set conditions = [] %}
{%- for tag in persona.tag_catalog() %}
    {%- if tag.value_type == 'boolean' %}
        {%- do conditions.append("(tag_code = '" ~ tag.code ~ "' and tag_value not in ('true', 'false'))") %}
    {%- elif tag.value_type == 'category' and tag.get('values') %}
        {%- set quoted = [] %}
        {%- for value in tag['values'] %}
            {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") %}
        {%- endfor %}
        {%- set allowed = quoted | join(', ') %}
        {%- do conditions.append("(tag_code = '" ~ tag.code ~ "' and tag_value not in (" ~ allowed ~ "))") %}
    {%- endif %}
{%- endfor %}

select
    one_id,
    tag_code,
    tag_value
from {{ ref('fct_customer_tags') }}
where {{ conditions | join('\n    or ') if conditions else 'false' }}
