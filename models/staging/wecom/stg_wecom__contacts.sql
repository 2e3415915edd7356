with base as (
    select * from {{ ref('base_wecom__contacts') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        wecom_userid,
        unionid,
        staff_id,
        remark_phone,
        remark_phone_status,
        added_at,
        deleted_at,
        deleted_at is null as is_active
    from base
)

select * from final
