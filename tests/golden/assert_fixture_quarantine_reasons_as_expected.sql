-- on the fixture, every quarantined or flagged raw row gets exactly the expected reason and action
{{ config(enabled=var('golden_fixture', false)) }}

with expected as (
    select * from (
        values
        ('app_events', 'A4', 'missing_identifier', 'quarantined'),
        ('app_events', 'A5', 'unparseable_timestamp', 'quarantined'),
        ('campaign_touches', 'T4', 'missing_timestamp', 'quarantined'),
        ('consent_events', 'CE1', 'unknown_vocabulary', 'flagged'),
        ('consent_events', 'CE2', 'unusable_identifier', 'quarantined'),
        ('consent_events', 'CE3', 'unusable_code', 'quarantined'),
        ('consent_events', 'CE4', 'future_timestamp', 'quarantined'),
        ('crm_members', 'M003@2024-06-01 00:00:00', 'unknown_vocabulary', 'flagged'),
        ('crm_members', 'M007@2024-04-04 04:04:04', 'invalid_value', 'flagged'),
        ('crm_members', null, 'unparseable_timestamp', 'quarantined'),
        ('crm_members', null, 'missing_key', 'quarantined'),
        ('cs_tickets', 'C2', 'invalid_value', 'flagged'),
        ('cs_tickets', 'C3', 'unknown_vocabulary', 'flagged'),
        ('ecommerce_order_items', 'D300#2', 'missing_key', 'quarantined'),
        ('ecommerce_orders', 'J200', 'unknown_vocabulary', 'flagged'),
        ('erasure_requests', 'R1', 'unusable_identifier', 'quarantined'),
        ('erasure_requests', 'R2', 'unusable_code', 'quarantined'),
        ('erasure_requests', 'R3', 'missing_identifier', 'quarantined'),
        ('miniprogram_events', 'E4', 'missing_identifier', 'quarantined'),
        ('miniprogram_order_items', 'MO2#2', 'invalid_quantity', 'quarantined'),
        ('miniprogram_orders', 'MO3', 'unparseable_amount', 'quarantined'),
        ('pos_transaction_items', 'S3#2', 'invalid_quantity', 'quarantined'),
        ('products', 'P004', 'invalid_value', 'flagged'),
        ('products', null, 'missing_key', 'quarantined'),
        ('web_events', 'W3', 'unknown_vocabulary', 'flagged'),
        ('web_events', 'W5', 'epoch_timestamp', 'quarantined'),
        ('web_events', 'W6', 'future_timestamp', 'quarantined'),
        ('web_events', 'W7', 'missing_identifier', 'quarantined'),
        ('web_events', null, 'missing_key', 'quarantined')
    ) as expected_rows (source_table, record_key, reason_code, action)
),

actual as (
    select
        source_table,
        record_key,
        reason_code,
        action
    from {{ ref('int_raw_rows_quarantined') }}
),

final as (
    {{ persona.expected_vs_actual('expected', 'actual') }}
)

select * from final
