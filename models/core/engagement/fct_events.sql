-- one row per web, app or mini-program event, with its OneID, session and product, up to the as-of date
with events as (
    select * from {{ ref('int_events_sessionized') }}
),

final as (
    select
        event_id,
        channel,
        one_id,
        session_id,
        event_name,
        event_type,
        product_id,
        search_term,
        device_type,
        event_at,
        {{ persona.utc_to_local('event_at') }} as event_at_local,
        {{ persona.as_of_date() }} as as_of_date
    from events
)

select * from final
