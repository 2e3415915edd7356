{#-
    `blocked_value_patterns()`: the seed identity_blocked_values' pattern rules, in rule_id order, as
    a list of (rule_id, identifier_type, pattern), read at run time so that int_identifiers_screened
    can write each regular expression into its SQL as a literal (compiled once, not once per row).
    Empty while dbt only parses or compiles without a warehouse that holds the seed (sqlfluff's
    templater); in a build the seed is always loaded first (it is a ref of the model).
-#}
{% macro blocked_value_patterns() %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set seed = ref('identity_blocked_values') -%}
    {%- if adapter.get_relation(seed.database, seed.schema, seed.identifier) is none -%}{{ return([]) }}{%- endif -%}
    {%- set rules = run_query(
        "select rule_id, identifier_type, blocked_value from " ~ seed
        ~ " where match_type = 'pattern' order by rule_id"
    ) -%}
    {%- set patterns = [] -%}
    {%- for row in rules.rows -%}
        {%- do patterns.append((row[0], row[1], row[2])) -%}
    {%- endfor -%}
    {{ return(patterns) }}
{% endmacro %}


{#-
    `first_matching_pattern(type_column, value_column, patterns)`: the rule_id of the first of
    `patterns` (rule_id, identifier_type or '*', regular expression) that the value matches, or
    null: one CASE whose branches are in rule_id order.
-#}
{% macro first_matching_pattern(type_column, value_column, patterns) -%}
    {%- if not patterns -%}
    cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
        {%- for rule_id, identifier_type, pattern in patterns %}
        when
            {% if identifier_type != '*' %}{{ type_column }} = '{{ identifier_type }}' and {% endif -%}
            {{ persona.regexp_matches_column(value_column, persona.quote_literal(pattern)) }}
            then '{{ rule_id }}'
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}


