-- on the fixture (tests/fixtures/make_raw_fixture.py), each table stages, quarantines and de-duplicates exactly the expected rows
{{ config(enabled=var('golden_fixture', false)) }}

with expected as (
    select * from (
        values
        ('crm_members', 9, 6, 2, 1, 2),
        ('products', 5, 4, 1, 0, 1),
        ('web_events', 9, 4, 4, 1, 1),
        ('app_events', 5, 3, 2, 0, 0),
        ('miniprogram_events', 4, 3, 1, 0, 0),
        ('miniprogram_orders', 3, 2, 1, 0, 0),
        ('miniprogram_order_items', 3, 2, 1, 0, 0),
        ('ecommerce_orders', 3, 3, 0, 0, 1),
        ('ecommerce_order_items', 4, 3, 1, 0, 0),
        ('pos_transactions', 3, 3, 0, 0, 0),
        ('pos_transaction_items', 4, 3, 1, 0, 0),
        ('wecom_contacts', 2, 2, 0, 0, 0),
        ('cs_tickets', 3, 3, 0, 0, 2),
        ('campaign_touches', 5, 4, 1, 0, 0),
        ('consent_events', 4, 1, 3, 0, 1),
        ('erasure_requests', 3, 0, 3, 0, 0)
    ) as expected_rows (source_table, rows_in, rows_staged, rows_quarantined, rows_duplicate, rows_flagged)
),

actual as (
    select * from {{ ref('rpt_raw_reconciliation') }}
),

final as (
    select
        coalesce(expected.source_table, actual.source_table) as source_table,
        expected.rows_in as expected_in,
        actual.rows_in as actual_in,
        expected.rows_staged as expected_staged,
        actual.rows_staged as actual_staged,
        expected.rows_quarantined as expected_quarantined,
        actual.rows_quarantined as actual_quarantined,
        expected.rows_duplicate as expected_duplicate,
        actual.rows_duplicate as actual_duplicate,
        expected.rows_flagged as expected_flagged,
        actual.rows_flagged as actual_flagged
    from expected
    full outer join actual
        on expected.source_table = actual.source_table
    where
        expected.source_table is null
        or actual.source_table is null
        or expected.rows_in != actual.rows_in
        or expected.rows_staged != actual.rows_staged
        or expected.rows_quarantined != actual.rows_quarantined
        or expected.rows_duplicate != actual.rows_duplicate
        or expected.rows_flagged != actual.rows_flagged
)

select * from final
