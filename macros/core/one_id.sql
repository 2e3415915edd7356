{#-
    Attach the OneID to rows of a staging model (facts, the golden record).

    Which columns of a staging model hold which identifier types is declared once, in
    var('identity_sources'). A row's OneID is the OneID of its first identifier, in the order of
    var('one_id_lookup_order'), that the identity graph kept (int_identity_clusters). Identifiers
    the guards excluded (a shared phone, a placeholder) have no OneID and are skipped; a row none of
    whose identifiers was kept gets a null one_id and stays in the facts (counted, not lost).

    `one_id_joins(model_name, row_alias)`: the left joins, one per identifier column of the model.
    `one_id_coalesce(model_name)`: the expression choosing the OneID from those joins.
    `one_id_identifiers(model_name)`: the model's {identifier_type: column}, in lookup order.
-#}
{% macro one_id_identifiers(model_name) -%}
    {%- set declared = none -%}
    {%- for source in var('identity_sources') if source['model'] == model_name -%}
        {%- set declared = source['identifiers'] -%}
        {%- set ordered = [] -%}
        {%- for identifier_type in var('one_id_lookup_order') if identifier_type in declared -%}
            {%- do ordered.append((identifier_type, declared[identifier_type])) -%}
        {%- endfor -%}
        {%- for identifier_type, column in declared.items() if identifier_type not in var('one_id_lookup_order') -%}
            {%- do ordered.append((identifier_type, column)) -%}
        {%- endfor -%}
        {{- return(ordered) -}}
    {%- endfor -%}
    {{- exceptions.raise_compiler_error(
        "model '" ~ model_name ~ "' is not listed in var('identity_sources') (dbt_project.yml): "
        ~ "declare which of its columns hold identifiers before attaching OneIDs to it."
    ) -}}
{%- endmacro %}


{% macro one_id_joins(model_name, row_alias) -%}
    {%- for identifier_type, column in persona.one_id_identifiers(model_name) %}
    left join {{ ref('int_identity_clusters') }} as oid_{{ identifier_type }}
        on oid_{{ identifier_type }}.identifier_type = '{{ identifier_type }}'
        and {{ row_alias }}.{{ column }} = oid_{{ identifier_type }}.identifier_value
    {%- endfor %}
{%- endmacro %}


{% macro one_id_coalesce(model_name) -%}
    {%- set parts = [] -%}
    {%- for identifier_type, column in persona.one_id_identifiers(model_name) -%}
        {%- do parts.append('oid_' ~ identifier_type ~ '.one_id') -%}
    {%- endfor -%}
    {%- if parts | length == 1 -%}{{ parts[0] }}{%- else -%}coalesce({{ parts | join(', ') }}){%- endif -%}
{%- endmacro %}
