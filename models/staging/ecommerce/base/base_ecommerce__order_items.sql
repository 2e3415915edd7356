{{ persona.base_config(['order_id', 'line_no']) }}
-- every raw line of ecommerce_order_items, typed, with the reason it cannot be staged (if any)
{{ persona.base_order_lines(
    persona.raw_rows('ecommerce', 'ecommerce_order_items'),
    'order_id', 'order_item_id',
    allow_negative_quantity=false
) }}
