-- every order line of every channel in one shape (the till's return lines carry negative quantities)
-- built after erasure (an erased person's order lines are gone by then):
-- depends_on: {{ ref('privacy_erased_identifiers') }}
{%- set sources = [
    ('ecommerce', 'stg_ecommerce__order_items', 'order_item_id', 'order_id'),
    ('miniprogram', 'stg_miniprogram__order_items', 'order_item_id', 'order_id'),
    ('pos', 'stg_pos__transaction_items', 'txn_item_id', 'txn_id'),
] %}

with unioned as (
    {% for source_system, model_name, line_key, parent_key in sources %}
        select
            {{ dbt.concat(["'" ~ source_system ~ ":'", line_key]) }} as order_item_id,
            {{ dbt.concat(["'" ~ source_system ~ ":'", parent_key]) }} as order_id,
            line_no,
            product_id,
            quantity,
            unit_price,
            line_amount
        from {{ ref(model_name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select * from unioned
)

select * from final
