with base as (
    select * from {{ ref('base_web__events') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        event_id,
        cookie_id,
        member_id,
        event_type,
        is_known_event_type,
        page_url,
        product_id,
        search_term,
        event_at,
        ingested_at,
        user_agent,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_member_id,
        _raw_file
    from base
)

select * from final
