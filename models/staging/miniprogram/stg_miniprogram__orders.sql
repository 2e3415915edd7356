with base as (
    select * from {{ ref('base_miniprogram__orders') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        order_id,
        appid,
        openid,
        unionid,
        phone,
        phone_status,
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
