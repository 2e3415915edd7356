{#-
    `row_checksum(columns)`: an aggregate expression, a number that two sets of rows share exactly
    when they hold the same values of `columns` (as multisets; a hash collision aside, about one
    chance in 2^64 per difference). Two tables compared this way per group cost one pass each, where
    an EXCEPT of every row needs a hash table of both: at 1M persons the profile/long-tags check
    spilled 30+ GB that way. DuckDB sums its 64-bit `hash`, Spark its `xxhash64`.
-#}
{% macro row_checksum(columns) %}
    {{- return(adapter.dispatch('row_checksum', 'persona')(columns)) -}}
{% endmacro %}

{% macro default__row_checksum(columns) -%}
    {{- exceptions.raise_compiler_error(
        "persona.row_checksum has no implementation for the '" ~ target.type ~ "' adapter: add a "
        ~ target.type ~ "__row_checksum macro (macros/utils/checksum.sql) that sums a 64-bit hash of the columns."
    ) -}}
{%- endmacro %}

{% macro duckdb__row_checksum(columns) -%}
    sum({{ persona.key_hash(columns) }})
{%- endmacro %}

{#- xxhash64 is a signed 64-bit number: summed as a decimal it cannot overflow -#}
{% macro spark__row_checksum(columns) -%}
    sum(cast({{ persona.key_hash(columns) }} as decimal(38, 0)))
{%- endmacro %}
