-- one row per raw table, reason and action: how many raw rows were set aside or flagged, and why
-- built after erasure, so an erased person's rows are never set aside here:
-- depends_on: {{ ref('privacy_erased_identifiers') }}
with quarantined as (
    select * from {{ ref('int_raw_rows_quarantined') }}
),

reconciliation as (
    select * from {{ ref('rpt_raw_reconciliation') }}
),

reason_codes as (
    select * from {{ ref('dq_reason_codes') }}
),

counted as (
    select
        source_table,
        reason_code,
        action,
        count(*) as row_count,
        min(record_key) as example_record_key
    from quarantined
    group by source_table, reason_code, action
),

final as (
    select
        counted.source_table,
        counted.reason_code,
        counted.action,
        cast(counted.row_count as bigint) as row_count,
        cast(round(1e2 * counted.row_count / nullif(reconciliation.rows_in, 0), 3) as double) as pct_of_rows_in,
        -- a record key is whatever the source wrote (a member id may be a phone number): shown scrubbed
        {{ persona.scrub_pii('counted.example_record_key') }} as example_record_key,
        reason_codes.description_en,
        reason_codes.description_zh
    from counted
    inner join reconciliation
        on counted.source_table = reconciliation.source_table
    left join reason_codes
        on counted.reason_code = reason_codes.reason_code
)

select * from final
