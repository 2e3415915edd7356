{#-
    Trimmed text, or null when the value is empty or one of var('null_strings') ("null", "undefined", ...).
    Trimming removes every kind of blank at either end: spaces and tabs, line breaks, Unicode
    spaces (no-break, ideographic 　), control characters and zero-width characters (U+200B,
    U+FEFF, ...), so a value made only of them is empty (raw contract version 2). Staging base
    models apply it once to every raw column (clean_strings); the other normalization macros take
    such cleaned columns, so each raw value is cleaned exactly once.
-#}
{% macro clean_string(column) %}
    {%- set null_strings = var('null_strings') -%}
    {%- set trimmed = persona.trim_blanks(column) -%}
    case
        when {{ persona.in_list('lower(' ~ trimmed ~ ')', null_strings) }} then null
        else {{ trimmed }}
    end
{%- endmacro %}


{#-
    `trim_blanks(column)`: the text without blanks at either end: white space (\s), Unicode
    separators (\p{Z}), control (\p{Cc}) and format characters (\p{Cf}: zero-width space,
    joiners, byte-order mark). A value whose first and last characters are printable ASCII (most
    values) skips the regular expression. The Python oracle is persona.dev.identifiers.trim_blanks.
-#}
{% macro trim_blanks(column) %}
    {{- return(adapter.dispatch('trim_blanks', 'persona')(column)) -}}
{% endmacro %}

{% macro default__trim_blanks(column) -%}
    {{ persona.trim_blanks_unless(
        'ascii(' ~ column ~ ') between 33 and 126 and ascii(' ~ dbt.right(column, 1) ~ ') between 33 and 126',
        column
    ) }}
{%- endmacro %}

{#- DuckDB reads the last character at byte position strlen(x), in constant time: right(x, 1) reads
    every character of the value first (a third of the cleaning of a web event's user agent). A value
    with a character of more than one byte has fewer characters than bytes, gets '' there and takes
    the regular expression. -#}
{% macro duckdb__trim_blanks(column) -%}
    {{ persona.trim_blanks_unless(
        'ascii(' ~ column ~ ') between 33 and 126 and ascii(substring(' ~ column ~ ', strlen(' ~ column
        ~ '), 1)) between 33 and 126',
        column
    ) }}
{%- endmacro %}

{#- `column` as it is when `printable_at_both_ends` holds, else without blanks at either end. -#}
{% macro trim_blanks_unless(printable_at_both_ends, column) -%}
    (case
        when {{ printable_at_both_ends }} then {{ column }}
        else {{ persona.regexp_replace_all(column, '^[\\s\\p{Z}\\p{Cc}\\p{Cf}]+|[\\s\\p{Z}\\p{Cc}\\p{Cf}]+$', '') }}
    end)
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

{#- Spark (Java regular expressions) writes a group in the replacement as $1, not \1. -#}
{% macro spark__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, {{ persona.quote_literal(pattern) }}, {{ persona.quote_literal(modules.re.sub('\\\\([0-9])', '$\\1', replacement)) }})
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
    ({{ column }} rlike {{ persona.quote_literal(pattern) }})
{%- endmacro %}

{% macro snowflake__regexp_matches(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern }}')
{%- endmacro %}


{#- `regexp_extract(column, pattern, group)`: the text of capture group `group` of the first match, or '' / null. -#}
{% macro regexp_extract(column, pattern, group) %}
    {{- return(adapter.dispatch('regexp_extract', 'persona')(column, pattern, group)) -}}
{% endmacro %}

{% macro default__regexp_extract(column, pattern, group) -%}
    regexp_extract({{ column }}, '{{ pattern }}', {{ group }})
{%- endmacro %}

{% macro spark__regexp_extract(column, pattern, group) -%}
    regexp_extract({{ column }}, {{ persona.quote_literal(pattern) }}, {{ group }})
{%- endmacro %}

{% macro postgres__regexp_extract(column, pattern, group) -%}
    (regexp_match({{ column }}, '{{ pattern }}'))[{{ group }}]
{%- endmacro %}

{% macro snowflake__regexp_extract(column, pattern, group) -%}
    regexp_substr({{ column }}, '{{ pattern }}', 1, 1, 'e', {{ group }})
{%- endmacro %}


{#-
    `in_list(expression, values)`: `expression in ('v1', 'v2', ...)` for a list of strings, with the
    same answer (null when the expression is null). DuckDB plans an IN list of five or more
    constants as a hash (mark) join against the list: one more join over every row for each column
    checked, which cost the event base models a fifth of their time (issue 15). There the list is
    written as IN lists of at most four values joined by OR, which DuckDB evaluates in place.
-#}
{% macro in_list(expression, values) %}
    {{- return(adapter.dispatch('in_list', 'persona')(expression, values)) -}}
{% endmacro %}

{% macro default__in_list(expression, values) -%}
    {{ expression }} in ({{ persona.sql_string_literals(values) }})
{%- endmacro %}

{% macro duckdb__in_list(expression, values) -%}
    {%- if values | length <= 4 -%}
        {{ persona.default__in_list(expression, values) }}
    {%- else -%}
        ({% for chunk in values | batch(4) %}{{ expression }} in ({{ persona.sql_string_literals(chunk) }})
        {%- if not loop.last %} or {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- `sql_string_literals(values)`: 'a', 'b', ... (quote_literal of each), for an IN list. -#}
{% macro sql_string_literals(values) -%}
    {%- for value in values %}{{ persona.quote_literal(value) }}{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}


{#- `quote_literal(value)`: a text as a SQL string literal that reads back exactly as `value`:
    quotes doubled ('it''s'); on Spark, whose literals take backslash escapes, quotes and
    backslashes escaped with a backslash ('it\'s', '^\\+86'). -#}
{% macro quote_literal(value) %}
    {{- return(adapter.dispatch('quote_literal', 'persona')(value)) -}}
{% endmacro %}

{% macro default__quote_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__quote_literal(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
