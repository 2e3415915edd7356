with base as (
    select * from {{ ref('base_service__tickets') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        ticket_id,
        channel,
        is_known_channel,
        member_id,
        phone,
        phone_status,
        appid,
        openid,
        created_at,
        category,
        is_known_category,
        satisfaction_score
    from base
)

select * from final
