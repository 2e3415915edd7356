{#-
    Small portable SQL helpers for the tag features.

    `iso_weekday(column)`: the ISO day of the week of a timestamp or date, 1 = Monday .. 7 = Sunday
      (weekend = 6 and 7). Dispatched: default (DuckDB, Postgres) extract(isodow ...).
    `observed_count(column, is_observed)`: a count from a source that may be absent: 0 when the
      person has no row but the brand's data has the source, null when the brand has no data from
      that source at all (a marketplace-only brand has no events: their event tags stay null).
-#}
{% macro iso_weekday(column) -%}
    {{- return(adapter.dispatch('iso_weekday', 'persona')(column)) -}}
{%- endmacro %}

{% macro default__iso_weekday(column) -%}
    extract(isodow from {{ column }})
{%- endmacro %}

{% macro snowflake__iso_weekday(column) -%}
    dayofweekiso({{ column }})
{%- endmacro %}

{% macro spark__iso_weekday(column) -%}
    (weekday({{ column }}) + 1)
{%- endmacro %}


{% macro observed_count(column, is_observed) -%}
    case when {{ is_observed }} then coalesce({{ column }}, 0) end
{%- endmacro %}
