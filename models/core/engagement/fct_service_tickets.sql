-- one row per customer-service ticket with its OneID, up to the as-of date
with tickets as (
    select * from {{ ref('stg_service__tickets') }}
),

resolved as (
    select
        tickets.ticket_id,
        tickets.channel,
        {{ persona.one_id_coalesce('stg_service__tickets') }} as one_id,
        tickets.category,
        tickets.created_at,
        tickets.satisfaction_score
    from tickets
    {{ persona.one_id_joins('stg_service__tickets', 'tickets') }}
    where {{ persona.on_or_before_as_of('tickets.created_at') }}
),

final as (
    select
        ticket_id,
        channel,
        one_id,
        category,
        category = 'complaint' as is_complaint,
        created_at,
        cast(satisfaction_score as integer) as satisfaction_score,
        {{ persona.as_of_date() }} as as_of_date
    from resolved
)

select * from final
