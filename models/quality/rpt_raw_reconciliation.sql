-- one row per raw contract table: every raw row is staged, quarantined or a counted duplicate
{%- if execute %}
    {%- set listed = persona.staged_raw_tables() | map(attribute='table') | list %}
    {%- set raw_tables = graph.sources.values() | selectattr('meta.raw_table') %}
    {%- set contract_tables = raw_tables | rejectattr('meta.evaluation_only') %}
    {%- for node in contract_tables if node.identifier not in listed %}
        {{ exceptions.raise_compiler_error(
            "Raw table '" ~ node.identifier ~ "' has no staging model in macro staged_raw_tables(); add it there."
        ) }}
    {%- endfor %}
{%- endif %}

with counts as (
    {{ persona.union_raw_row_counts() }}
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
    from counts
)

select * from final
