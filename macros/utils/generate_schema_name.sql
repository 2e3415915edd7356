{#-
    Schemas are named by layer, not prefixed by the target schema: staging, intermediate, marts,
    seeds, snapshots (and raw for the raw views). A model without a custom schema goes to the
    target schema (main).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
