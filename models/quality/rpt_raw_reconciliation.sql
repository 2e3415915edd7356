-- one row per raw contract table: every raw row is staged, erased, quarantined or a counted duplicate
-- built after erasure, so an erased person's rows are never set aside here:
-- depends_on: {{ ref('privacy_erased_identifiers') }}
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

orphaned as (
    select
        source_table,
        count(*) as rows_orphaned
    from {{ ref('int_order_lines_orphaned') }}
    group by source_table
),

final as (
    select
        counts.source_table,
        counts.source_name,
        counts.staging_model,
        counts.table_order,
        counts.rows_in > 0 as has_data,
        cast(counts.rows_in as bigint) as rows_in,
        cast(counts.rows_staged as bigint) as rows_staged,
        cast(counts.rows_erased as bigint) as rows_erased,
        cast(counts.rows_quarantined as bigint) as rows_quarantined,
        cast(counts.rows_duplicate as bigint) as rows_duplicate,
        cast(counts.rows_conflicting as bigint) as rows_conflicting,
        cast(counts.rows_flagged as bigint) as rows_flagged,
        cast(coalesce(orphaned.rows_orphaned, 0) as bigint) as rows_orphaned,
        counts.rows_in
        = counts.rows_staged + counts.rows_erased + counts.rows_quarantined + counts.rows_duplicate as is_reconciled
    from counts
    left join orphaned on counts.source_table = orphaned.source_table
)

select * from final
