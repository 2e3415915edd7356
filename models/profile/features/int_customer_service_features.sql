-- each person's customer-service contacts, complaints and satisfaction up to the as-of date
-- one row per OneID with a ticket
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

tickets as (
    select
        fct_service_tickets.one_id,
        fct_service_tickets.channel,
        fct_service_tickets.category,
        fct_service_tickets.is_complaint,
        fct_service_tickets.created_at,
        fct_service_tickets.satisfaction_score,
        {{ dbt.datediff('cast(fct_service_tickets.created_at as date)', 'as_of.as_of_date', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('fct_service_tickets') }} as fct_service_tickets
    cross join as_of
    where fct_service_tickets.one_id is not null
),

-- the service channel the person uses most (then the latest)
service_channels as (
    select
        one_id,
        channel,
        row_number() over (
            partition by one_id order by count(*) desc, max(created_at) desc, channel asc
        ) as channel_rank
    from tickets
    where channel is not null
    group by one_id, channel
),

ticket_totals as (
    select
        one_id,
        count(*) as service_contacts_total,
        sum(case when days_ago < 30 then 1 else 0 end) as service_contacts_30d,
        sum(case when days_ago < 90 then 1 else 0 end) as service_contacts_90d,
        sum(case when days_ago < 365 then 1 else 0 end) as service_contacts_365d,
        sum(case when is_complaint then 1 else 0 end) as complaints_total,
        sum(case when is_complaint and days_ago < 365 then 1 else 0 end) as complaints_365d,
        sum(case when category = 'after_sales' and days_ago < 365 then 1 else 0 end) as after_sales_365d,
        sum(case when category = 'consultation' and days_ago < 90 then 1 else 0 end) as consultations_90d,
        max(created_at) as last_service_contact_at,
        max(case when category = 'consultation' and days_ago < 30 then created_at end) as last_consultation_30d_at,
        avg(cast(satisfaction_score as double)) as average_satisfaction,
        count(satisfaction_score) as rated_tickets
    from tickets
    group by one_id
),

final as (
    select
        ticket_totals.*,
        service_channels.channel as preferred_service_channel
    from ticket_totals
    left join service_channels on ticket_totals.one_id = service_channels.one_id and service_channels.channel_rank = 1
)

select * from final
