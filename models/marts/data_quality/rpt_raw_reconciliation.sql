-- one row per raw contract table: every raw row is staged, quarantined or a counted duplicate
{%- set tables = persona.staged_raw_tables() %}
{%- if execute %}
    {%- set listed = tables | map(attribute='table') | list %}
    {%- for node in graph.sources.values() if node.meta.get('raw_table') and node.identifier not in listed %}
        {{ exceptions.raise_compiler_error("Raw table '" ~ node.identifier ~ "' has no staging model in macro staged_raw_tables(); add it there.") }}
    {%- endfor %}
{%- endif %}

with
{% for table in tables %}
{{ table.table }} as (
    select
        {{ loop.index }} as table_order,
        '{{ table.table }}' as source_table,
        '{{ table.source }}' as source_name,
        'stg_{{ table.model }}' as staging_model,
        (select count(*) from {{ source(table.source, table.table) }}) as rows_in,
        (select count(*) from {{ ref('stg_' ~ table.model) }}) as rows_staged,
        (select count(*) from {{ ref('base_' ~ table.model) }} where quarantine_reason is not null) as rows_quarantined,
        (select count(*) from {{ ref('base_' ~ table.model) }} where is_duplicate) as rows_duplicate,
        (
            select count(*) from {{ ref('base_' ~ table.model) }}
            where quarantine_reason is null and not is_duplicate and flag_reason is not null
        ) as rows_flagged
),
{% endfor %}

unioned as (
    {%- for table in tables %}
    select * from {{ table.table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        source_table,
        source_name,
        staging_model,
        table_order,
        rows_in > 0 as has_data,
        cast(rows_in as bigint) as rows_in,
        cast(rows_staged as bigint) as rows_staged,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_duplicate as bigint) as rows_duplicate,
        cast(rows_flagged as bigint) as rows_flagged,
        rows_in = rows_staged + rows_quarantined + rows_duplicate as is_reconciled
    from unioned
)

select * from final
