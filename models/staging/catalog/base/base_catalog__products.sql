{{ persona.base_config(['product_id']) }}
-- every raw product row, typed, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'product_id', 'product_name', 'category_l1', 'category_l2', 'brand', 'list_price', 'launched_on'
] %}
with source as (
    select * from {{ persona.raw_rows('catalog', 'products') }}
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
        product_id,
        {{ persona.scrub_pii('product_name') }} as product_name,
        {{ persona.scrub_pii('category_l1') }} as category_l1,
        {{ persona.scrub_pii('category_l2') }} as category_l2,
        {{ persona.scrub_pii('brand') }} as brand,
        {{ persona.parse_money('list_price') }} as list_price,
        {{ persona.parse_date('launched_on') }} as launched_on,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        product_id as record_key,
        case when product_id is null then 'missing_key' end as quarantine_reason,
        case
            when list_price is null or list_price < 0 then 'invalid_value'
        end as flag_reason
    from typed
),

{{ persona.with_duplicate_flags('checked', ['product_id'], 'launched_on desc nulls last') }}

select * from final
