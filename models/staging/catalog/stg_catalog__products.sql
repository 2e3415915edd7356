with base as (
    select * from {{ ref('base_catalog__products') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        product_id,
        product_name,
        category_l1,
        category_l2,
        brand,
        list_price,
        launched_on
    from base
)

select * from final
