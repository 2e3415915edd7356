-- one row per raw row that was quarantined (not staged) or flagged (staged with a warning)
-- built after erasure, so an erased person's rows are never set aside here:
-- depends_on: {{ ref('privacy_erased_identifiers') }}
with unioned as (
    {{ persona.union_quarantined_rows() }}
    union all
    -- staged order lines without a staged order (flagged orphan_line)
    select
        source_table,
        record_key,
        reason_code,
        action,
        raw_file,
        raw_row_number,
        raw_record
    from {{ ref('int_order_lines_orphaned') }}
),

final as (
    select
        {{ dbt.concat([
            'source_table',
            "':'",
            dbt.safe_cast(
                'row_number() over (partition by source_table order by raw_file, raw_row_number)',
                dbt.type_string()
            )
        ]) }} as quarantined_row_id,
        source_table,
        record_key,
        reason_code,
        action,
        raw_file,
        raw_row_number,
        raw_record
    from unioned
)

select * from final
