with base as (
    select * from {{ ref('base_app__events') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        event_id,
        device_id,
        device_id_status,
        platform,
        member_id,
        login_phone,
        login_phone_status,
        event_name,
        is_known_event_name,
        product_id,
        event_at,
        ingested_at,
        app_version,
        _raw_file
    from base
)

select * from final
