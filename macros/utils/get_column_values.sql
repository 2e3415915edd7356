{#-
    `get_column_values(relation, column)`: the distinct non-null values of a column, sorted (Python
    string order, whatever the warehouse's collation), read at run time - named after
    dbt_utils.get_column_values. Used to write one column per value (a pivot) into a model.
    Empty while dbt only parses, or compiles without a warehouse that holds the relation
    (sqlfluff's templater); in a build the relation is a ref of the model, so it is built first.
-#}
{% macro get_column_values(relation, column) %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(
        "select distinct " ~ column ~ " from " ~ relation ~ " where " ~ column ~ " is not null"
    ) -%}
    {{ return(result.columns[0].values() | map('string') | sort | list) }}
{% endmacro %}
