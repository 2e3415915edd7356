with base as (
    select * from {{ ref('base_marketing__campaign_touches') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        touch_id,
        campaign_id,
        channel,
        is_known_channel,
        variant,
        phone,
        phone_status,
        device_id,
        device_id_status,
        appid,
        openid,
        email,
        sent_at,
        opened_at,
        clicked_at
    from base
)

select * from final
