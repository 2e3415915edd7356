{{ config(materialized="view") }}
-- events grouped into sessions: a new session starts after var('session_timeout_minutes') without an event
-- a view: fct_events is the one table the event rows are copied into
with events as (
    select * from {{ ref('int_events_unioned') }}
),

keyed as (
    select
        *,
        -- a session belongs to the person when known, else to the cookie, device or openid
        coalesce(one_id, device_key) as session_owner
    from events
),

gaps as (
    select
        *,
        lag(event_at) over (partition by channel, session_owner order by event_at, event_id) as previous_event_at
    from keyed
),

starts as (
    select
        *,
        case
            when previous_event_at is null then 1
            when {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > {{ var('session_timeout_minutes') }} * 60 then 1
            else 0
        end as is_session_start
    from gaps
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by channel, session_owner order by event_at, event_id rows unbounded preceding
        ) as session_number
    from starts
),

final as (
    select
        event_id,
        channel,
        one_id,
        device_key,
        event_name,
        event_type,
        product_id,
        search_term,
        device_type,
        event_at,
        {{ dbt.hash(dbt.concat([
            'channel', "':'", 'session_owner', "':'", dbt.cast('session_number', dbt.type_string())
        ])) }} as session_id
    from numbered
)

select * from final
