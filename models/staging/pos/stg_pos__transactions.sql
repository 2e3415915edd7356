with base as (
    select * from {{ ref('base_pos__transactions') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        txn_id,
        store_id,
        member_card_no,
        phone,
        phone_status,
        txn_at,
        txn_amount,
        discount_amount,
        payment_method,
        is_return
    from base
)

select * from final
