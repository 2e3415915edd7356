with base as (
    select * from {{ ref('base_ecommerce__orders') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        order_id,
        platform,
        is_known_platform,
        buyer_id,
        member_id,
        receiver_phone,
        receiver_phone_status,
        receiver_phone_masked,
        order_at,
        paid_at,
        status,
        is_known_status,
        order_amount,
        discount_amount,
        coupon_code,
        coupon_code is not null as has_coupon
    from base
)

select * from final
