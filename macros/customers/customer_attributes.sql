{#-
    The golden record's survivorship, generated from two vars (dbt_project.yml):
    var('customer_attribute_sources') says which staging columns carry which golden field per source
    system, var('customer_survivorship') lists per field the sources in priority order.

    `customer_survivorship()`: the checked survivorship config {field: [source, ...]}; stops the
      build with a clear message when a field names a source that is not declared.
    `customer_attribute_plan()`: the (source, model, observed_at, {field: column}) entries that feed
      at least one field, in declaration order; observed_at is the model's column in
      var('activity_dates').
    `customer_attribute_candidates()`: SQL for the long table of candidate values: one row per
      source, OneID, identifiers and field value carried (one_id, field, source, source_model,
      value as text, first_observed_at, last_observed_at, n_rows), non-empty values of rows with a
      OneID observed on or before the as-of date.
    `customer_candidate_value(field, column)`: the candidate text of a field, with the field's
      usability rules (gender normalized to F/M, unusable birth dates dropped).
    `customer_source_priorities()`: SQL rows (field, source, source_priority) from the config.
    `age_in_years(birth_on, on_date)`: completed years of age on a date (birthday counted).
-#}
{% macro customer_survivorship() %}
    {%- set declared = var('customer_attribute_sources') -%}
    {%- set survivorship = var('customer_survivorship') -%}
    {%- for field, sources in survivorship.items() -%}
        {%- for source in sources if source not in declared -%}
            {{- exceptions.raise_compiler_error(
                "var 'customer_survivorship' lists source '" ~ source ~ "' for field '" ~ field
                ~ "', but var 'customer_attribute_sources' declares no such source (declared: "
                ~ (declared.keys() | list | join(', ')) ~ ")."
            ) -}}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(survivorship) -}}
{% endmacro %}


{% macro customer_attribute_plan() %}
    {%- set survivorship = persona.customer_survivorship() -%}
    {%- set plan = [] -%}
    {%- for source, entries in var('customer_attribute_sources').items() -%}
        {%- for entry in entries -%}
            {%- set fields = {} -%}
            {%- for field, column in entry['fields'].items() -%}
                {%- if source in survivorship.get(field, []) -%}{%- do fields.update({field: column}) -%}{%- endif -%}
            {%- endfor -%}
            {%- if fields -%}
                {%- do plan.append({
                    'source': source, 'model': entry['model'],
                    'observed_at': persona.activity_date_column(entry['model']), 'fields': fields
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(plan) -}}
{% endmacro %}


{% macro customer_candidate_value(field, column) -%}
    {%- if field == 'gender' -%}
        {{ persona.normalize_gender(column) }}
    {%- elif field == 'birth_on' -%}
        {%- set placeholders = var('customer_placeholder_birth_dates', []) -%}
        case
            when {{ column }} >= cast('{{ var("customer_earliest_birth_on") }}' as date)
                and {{ column }} <= {{ persona.as_of_date() }}
                {%- for placeholder in placeholders %}
                and {{ column }} <> cast('{{ placeholder }}' as date)
                {%- endfor %}
                then cast({{ column }} as {{ dbt.type_string() }})
        end
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{% macro customer_attribute_candidates() %}
    {#- Per source: the rows that carry a field, grouped first by their identifiers and field values
        (a million-member brand's event tables repeat the same phone on millions of rows), then the
        OneID joins on the groups, then unpivoted to one row per field by a cross join with the
        field names. Joining every row instead held all sources' rows in the joins' hash tables at
        once and ran out of memory at 1M persons. -#}
    {%- set plan = persona.customer_attribute_plan() -%}
    {%- if not plan -%}
        {{- exceptions.raise_compiler_error("var 'customer_survivorship' uses no declared source: nothing to build.") -}}
    {%- endif -%}
    {%- set row_ctes = [] -%}
    {%- set selects = [] -%}
    {%- for entry in plan -%}
        {%- set cte = 'source_rows_' ~ loop.index -%}
        {%- set group_columns = [] -%}
        {%- for identifier_type, column in persona.one_id_identifiers(entry['model']) if column not in group_columns -%}
            {%- do group_columns.append(column) -%}
        {%- endfor -%}
        {%- set sql -%}
    {{ cte }} as (
        select
            {{ persona.one_id_coalesce(entry['model']) }} as one_id,
            {%- for field in entry['fields'] %}
            source_rows.value__{{ field }},
            {%- endfor %}
            source_rows.first_observed_at,
            source_rows.last_observed_at,
            source_rows.n_rows
        from (
            select
                {%- for column in group_columns %}
                {{ column }},
                {%- endfor %}
                {%- for field in entry['fields'] %}
                value__{{ field }},
                {%- endfor %}
                min(observed_at) as first_observed_at,
                max(observed_at) as last_observed_at,
                count(*) as n_rows
            from (
                select
                    {%- for column in group_columns %}
                    {{ column }},
                    {%- endfor %}
                    {%- for field, column in entry['fields'].items() %}
                    {{ persona.customer_candidate_value(field, column) }} as value__{{ field }},
                    {%- endfor %}
                    {{ entry['observed_at'] }} as observed_at
                from {{ ref(entry['model']) }}
                where
                    {{ persona.on_or_before_as_of(entry['observed_at']) }}
                    {#- a row that carries none of the fields offers nothing (most event rows carry no phone) #}
                    and (
                        {%- for field, column in entry['fields'].items() %}
                        {{ column }} is not null{% if not loop.last %} or{% endif %}
                        {%- endfor %}
                    )
            ) as carried
            group by
                {%- for column in group_columns %}
                {{ column }},
                {%- endfor %}
                {%- for field in entry['fields'] %}
                value__{{ field }}{% if not loop.last %},{% endif %}
                {%- endfor %}
        ) as source_rows
        {{- persona.one_id_joins(entry['model'], 'source_rows') }}
    )
        {%- endset -%}
        {%- do row_ctes.append(sql) -%}
        {%- set field_names = [] -%}
        {%- set field_values = [] -%}
        {%- for field in entry['fields'] -%}
            {%- do field_names.append("select '" ~ field ~ "' as field") -%}
            {%- do field_values.append("when '" ~ field ~ "' then " ~ cte ~ ".value__" ~ field) -%}
        {%- endfor -%}
        {%- do selects.append(
            "select " ~ cte ~ ".one_id, fields.field, '" ~ entry['source'] ~ "' as source, '"
            ~ entry['model'] ~ "' as source_model, case fields.field " ~ (field_values | join(' ')) ~ " end as value, "
            ~ cte ~ ".first_observed_at, " ~ cte ~ ".last_observed_at, " ~ cte ~ ".n_rows"
            ~ " from " ~ cte ~ " cross join (" ~ (field_names | join(' union all ')) ~ ") as fields"
            ~ " where " ~ cte ~ ".one_id is not null"
        ) -%}
    {%- endfor -%}
    with
    {{ row_ctes | join(',\n') }},
    unpivoted as (
    {{ selects | join('\n    union all\n    ') }}
    )
    select * from unpivoted where value is not null
{%- endmacro %}


{% macro customer_source_priorities() %}
    {%- set selects = [] -%}
    {%- for field, sources in persona.customer_survivorship().items() -%}
        {%- for source in sources -%}
            {%- do selects.append(
                "select '" ~ field ~ "' as field, '" ~ source ~ "' as source, " ~ loop.index ~ " as source_priority"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(selects | join('\n    union all\n    ')) -}}
{% endmacro %}


{% macro age_in_years(birth_on, on_date) -%}
    (
        extract(year from {{ on_date }}) - extract(year from {{ birth_on }})
        - case
            when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_on }}) * 100 + extract(day from {{ birth_on }})
                then 1
            else 0
        end
    )
{%- endmacro %}
