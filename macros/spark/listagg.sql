{#-
    dbt's listagg on Spark (dbt-spark's own ignores the order and warns): Spark 4's
    LISTAGG ... WITHIN GROUP (ORDER BY ...), so that a list such as a OneID's source models reads
    the same on Spark as on DuckDB. Overrides dbt-spark's spark__listagg for this project.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("persona's spark__listagg has no limit_num: slice the ordered list instead") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
