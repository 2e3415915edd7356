with base as (
    select * from {{ ref('base_miniprogram__events') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        event_id,
        appid,
        openid,
        unionid,
        phone,
        phone_status,
        event_name,
        is_known_event_name,
        page_path,
        product_id,
        event_at,
        ingested_at,
        scene,
        share_from_openid,
        _raw_file
    from base
)

select * from final
