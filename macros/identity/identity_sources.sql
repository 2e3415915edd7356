{#-
    The identity graph's inputs, generated from var('identity_sources') (see dbt_project.yml):
    which staging model carries which identifier types in which columns.

    `identity_identifier_types()`: every identifier type some source declares, in declaration order.
    `identifier_sightings()`: per staging model, the distinct combinations of identifiers one row
      carries, with the first and last time seen and the number of rows (one column per type).
    `unpivot_identifiers(relation)`: one row per (sighting, identifier) from the wide sightings.
    `identifier_pairs(relation)`: one row per (sighting, pair of identifiers) for linking sources,
      the pair in canonical order (type_a < type_b alphabetically).
    Rows are dated by var('activity_dates') and count only on or before the as-of date
    (macros/core/as_of.sql), like every other model.
-#}
{% macro identity_identifier_types() %}
    {%- set types = [] -%}
    {%- for source in var('identity_sources') -%}
        {%- for identifier_type in source['identifiers'] -%}
            {%- if identifier_type not in types -%}{%- do types.append(identifier_type) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(types) }}
{% endmacro %}


{% macro identifier_sightings() %}
    {%- set types = persona.identity_identifier_types() -%}
    {%- set selects = [] -%}
    {%- for source in var('identity_sources') -%}
        {%- set columns = source['identifiers'] -%}
        {%- set seen_at = persona.activity_date_column(source['model']) -%}
        {%- set present = [] -%}
        {%- for identifier_type in types if identifier_type in columns -%}
            {%- do present.append(columns[identifier_type]) -%}
        {%- endfor -%}
        {%- set select_list = [] -%}
        {%- for identifier_type in types -%}
            {%- if identifier_type in columns -%}
                {%- do select_list.append(columns[identifier_type] ~ ' as ' ~ identifier_type) -%}
            {%- else -%}
                {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ identifier_type) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set sql -%}
    select
        '{{ source["model"] }}' as source_model,
        {{ 'true' if source.get('links', true) else 'false' }} as is_linking_source,
        {{ select_list | join(',\n        ') }},
        min({{ seen_at }}) as first_seen_at,
        max({{ seen_at }}) as last_seen_at,
        count(*) as n_rows
    from {{ ref(source['model']) }}
    where ({{ present | join(' is not null or ') }} is not null)
        and {{ persona.on_or_before_as_of(seen_at) }}
    group by {{ present | join(', ') }}
        {%- endset -%}
        {%- do selects.append(sql) -%}
    {%- endfor -%}
    {{ return(selects | join('\n    union all\n')) }}
{% endmacro %}


{% macro unpivot_identifiers(relation) %}
    {%- set selects = [] -%}
    {%- for identifier_type in persona.identity_identifier_types() -%}
        {%- do selects.append(
            "select source_model, '" ~ identifier_type ~ "' as identifier_type, " ~ identifier_type
            ~ " as identifier_value, first_seen_at, last_seen_at, n_rows from " ~ relation
            ~ " where " ~ identifier_type ~ " is not null"
        ) -%}
    {%- endfor -%}
    {{ return(selects | join('\n    union all\n    ')) }}
{% endmacro %}


{% macro identifier_pairs(relation) %}
    {%- set pairs = [] -%}
    {%- for source in var('identity_sources') if source.get('links', true) -%}
        {%- set present = source['identifiers'].keys() | sort -%}
        {%- for type_a in present -%}
            {%- for type_b in present if type_a < type_b and (type_a, type_b) not in pairs -%}
                {%- do pairs.append((type_a, type_b)) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- for type_a, type_b in pairs | sort -%}
        {%- do selects.append(
            "select source_model, '" ~ type_a ~ "' as identifier_type_a, " ~ type_a ~ " as identifier_value_a, '"
            ~ type_b ~ "' as identifier_type_b, " ~ type_b ~ " as identifier_value_b, first_seen_at, last_seen_at, n_rows"
            ~ " from " ~ relation ~ " where is_linking_source and " ~ type_a ~ " is not null and " ~ type_b ~ " is not null"
        ) -%}
    {%- endfor -%}
    {{ return(selects | join('\n    union all\n    ')) }}
{% endmacro %}
