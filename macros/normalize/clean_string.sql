{#-
    Trimmed text, or null when the value is empty or one of var('null_strings') ("null", "undefined", ...).
    Staging base models apply it once to every raw column (clean_strings); the other normalization
    macros take such cleaned columns, so each raw value is cleaned exactly once.
-#}
{% macro clean_string(column) %}
    {%- set null_strings = var('null_strings') -%}
    case
        when lower(trim({{ column }})) in (
            {%- for value in null_strings %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) then null
        else trim({{ column }})
    end
{%- endmacro %}


{#- `clean_string` over each of `columns` (a list of names), keeping the names: `col1, col2, ...`. -#}
{% macro clean_strings(columns) -%}
    {%- for column in columns %}
        {{ persona.clean_string(column) }} as {{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- Portable regular-expression helpers (DuckDB/Postgres need the 'g' flag; Spark/Snowflake replace all). -#}
{% macro regexp_replace_all(column, pattern, replacement) %}
    {{- return(adapter.dispatch('regexp_replace_all', 'persona')(column, pattern, replacement)) -}}
{% endmacro %}

{% macro default__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro snowflake__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}


{% macro regexp_matches(column, pattern) %}
    {{- return(adapter.dispatch('regexp_matches', 'persona')(column, pattern)) -}}
{% endmacro %}

{% macro default__regexp_matches(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_matches(column, pattern) -%}
    ({{ column }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_matches(column, pattern) -%}
    ({{ column }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__regexp_matches(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern }}')
{%- endmacro %}
