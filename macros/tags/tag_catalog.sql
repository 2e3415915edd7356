{#-
    The tag catalog (标签体系) lives in one file, models/profile/tags/tag_catalog.yml: the
    `tag_catalog` list under `config: meta:` of int_customer_tag_values, the model that compiles it,
    with the ten categories in `tag_categories` beside it. These macros hand it to the other models
    and tests (through persona.project_config, macros/config/project_config.sql).

    `tag_catalog()`: the list of tags (dicts: code, name_zh, name_en, category, value_type, values,
      description, definition, owner), in catalog order. [] at parse time (execute is false).
    `tag_categories()`: the list of categories (code, name_zh, name_en), in display order.
    `tag_sql_type(value_type)`: the column type of a tag value in the wide tables.
    `tag_value_as_string(expression, value_type)`: a tag value as text for the long table:
      booleans 'true'/'false', whole numbers without decimals, other numbers rounded to 4 decimals.
-#}
{% macro tag_catalog() -%}
    {{- return(persona.project_config('int_customer_tag_values', 'tag_catalog')) -}}
{%- endmacro %}


{% macro tag_categories() -%}
    {{- return(persona.project_config('int_customer_tag_values', 'tag_categories')) -}}
{%- endmacro %}


{% macro tag_sql_type(value_type) -%}
    {{- return(adapter.dispatch('tag_sql_type', 'persona')(value_type)) -}}
{%- endmacro %}

{% macro default__tag_sql_type(value_type) -%}
    {%- if value_type == 'boolean' -%}
        boolean
    {%- elif value_type == 'number' -%}
        double
    {%- elif value_type == 'category' -%}
        {{ dbt.type_string() }}
    {%- else -%}
        {{- exceptions.raise_compiler_error("tag value_type must be boolean, category or number, got '"
            ~ value_type ~ "'") -}}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__tag_sql_type(value_type) -%}
    {%- if value_type == 'number' -%}
        double precision
    {%- else -%}
        {{ persona.default__tag_sql_type(value_type) }}
    {%- endif -%}
{%- endmacro %}


{% macro tag_value_as_string(expression, value_type) -%}
    {%- if value_type == 'boolean' -%}
        case when {{ expression }} then 'true' when not {{ expression }} then 'false' end
    {%- elif value_type == 'number' -%}
        case
            when {{ expression }} = floor({{ expression }})
                then cast(cast({{ expression }} as bigint) as {{ dbt.type_string() }})
            else cast(round({{ expression }}, 4) as {{ dbt.type_string() }})
        end
    {%- else -%}
        cast({{ expression }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#- `sql_text_literal(text)`: a text as a SQL string literal (quotes doubled), or null when empty. -#}
{% macro sql_text_literal(text) -%}
    {%- if text is none or (text | string | trim) == '' -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {{ persona.quote_literal(text | string | trim) }}
    {%- endif -%}
{%- endmacro %}
