-- order lines staged while their order was not (missing from the export, or quarantined):
-- they cannot reach the sales facts, so they are reported instead of lost
-- built after erasure, so an erased person's rows are never set aside here:
-- depends_on: {{ ref('privacy_erased_identifiers') }}
{%- set line_tables = [
    {'source': 'miniprogram', 'table': 'miniprogram_order_items', 'lines': 'miniprogram__order_items',
     'orders': 'miniprogram__orders', 'parent_key': 'order_id', 'line_key': 'order_item_id'},
    {'source': 'ecommerce', 'table': 'ecommerce_order_items', 'lines': 'ecommerce__order_items',
     'orders': 'ecommerce__orders', 'parent_key': 'order_id', 'line_key': 'order_item_id'},
    {'source': 'pos', 'table': 'pos_transaction_items', 'lines': 'pos__transaction_items',
     'orders': 'pos__transactions', 'parent_key': 'txn_id', 'line_key': 'txn_item_id'},
] %}

with orphaned as (
    {%- for table in line_tables %}
        select
            '{{ table.table }}' as source_table,
            order_lines.{{ table.line_key }} as record_key,
            'orphan_line' as reason_code,
            'flagged' as action,  -- noqa: RF04
            order_lines._raw_file as raw_file,
            order_lines._raw_row_number as raw_row_number,
            {{ persona.row_to_json('raw_rows') }} as raw_record
        from {{ ref('base_' ~ table.lines) }} as order_lines
        inner join {{ source(table.source, table.table) }} as raw_rows
            on
                order_lines._raw_file = raw_rows._raw_file
                and order_lines._raw_row_number = raw_rows._raw_row_number
        left join {{ ref('stg_' ~ table.orders) }} as orders
            on order_lines.{{ table.parent_key }} = orders.{{ table.parent_key }}
        where
            order_lines.quarantine_reason is null
            and not order_lines.is_duplicate
            and orders.{{ table.parent_key }} is null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select * from orphaned
)

select * from final
