{#-
    The body of a base model over an order-lines table (mini-program, marketplace and till lines share
    one shape): typed lines with a surrogate line key, quarantine reason and duplicate flag.

    Arguments:
      source_relation: the raw source (`source(...)`).
      parent_key: the column naming the parent order or transaction (`order_id`, `txn_id`).
      line_key: the name of the surrogate line key to produce (`order_item_id`, `txn_item_id`).
      allow_negative_quantity: true for tills, where a return line has a negative quantity;
        elsewhere a quantity below 1 is quarantined as invalid_quantity.
-#}
{% macro base_order_lines(source_relation, parent_key, line_key, allow_negative_quantity=false) -%}
{%- set raw_columns = [parent_key, 'line_no', 'product_id', 'quantity', 'unit_price'] %}
with source as (
    select * from {{ source_relation }}
),

cleaned as (
    select
        {{ persona.clean_strings(raw_columns) }},
        _raw_file,
        _raw_row_number
    from source
),

typed as (
    select
        {{ parent_key }},
        {{ persona.parse_integer('line_no') }} as line_no,
        product_id,
        {{ persona.parse_integer('quantity') }} as quantity,
        {{ persona.parse_money('unit_price') }} as unit_price,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number,
        {{ persona.amount_reason('unit_price') }} as unit_price_reason
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        {{ dbt.concat([parent_key, "'#'", dbt.safe_cast('line_no', dbt.type_string())]) }} as {{ line_key }},
        {{ dbt.concat([parent_key, "'#'", dbt.safe_cast('line_no', dbt.type_string())]) }} as record_key,
        coalesce(
            case when {{ parent_key }} is null or line_no is null or product_id is null then 'missing_key' end,
            case
                when quantity is null then 'invalid_quantity'
                {%- if allow_negative_quantity %}
                when quantity = 0 then 'invalid_quantity'
                {%- else %}
                when quantity < 1 then 'invalid_quantity'
                {%- endif %}
            end,
            unit_price_reason
        ) as quarantine_reason,
        cast(null as {{ dbt.type_string() }}) as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', [parent_key, 'line_no'], '') }}

select * from final
-- the lines of orders of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased(model.name, 'final') }}
{%- endmacro %}
