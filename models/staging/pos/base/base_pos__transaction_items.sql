{{ persona.base_config(['txn_id', 'line_no']) }}
-- every raw line of pos_transaction_items, typed, with the reason it cannot be staged (if any)
{{ persona.base_order_lines(
    persona.raw_rows('pos', 'pos_transaction_items'),
    'txn_id', 'txn_item_id',
    allow_negative_quantity=true
) }}
