with base as (
    select * from {{ ref('base_miniprogram__order_items') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        order_item_id,
        order_id,
        line_no,
        product_id,
        quantity,
        unit_price,
        cast(quantity * unit_price as decimal(18, 2)) as line_amount
    from base
)

select * from final
