-- who brought whom: per OneID, the other OneID whose share or invite their first visit came through
{#-
    A person's arrival is their first session in fct_sessions (the one holding their earliest
    event in web, app or mini-program; sessions starting together: the smaller session id). They
    were brought by someone when an event of their arrival session names a referrer (int_referral_visits) who resolves to another OneID that had visited before the
    arrival. Several such events: the earliest wins, then the smaller referrer OneID. Since a
    referrer always arrived strictly earlier, the edges form no cycle.
#}
with events as (
    select
        event_id,
        channel,
        one_id,
        session_id,
        event_at
    from {{ ref('fct_events') }}
    where one_id is not null
),

visits as (
    select
        event_id,
        referrer_one_id
    from {{ ref('int_referral_visits') }}
    where referrer_one_id is not null
),

-- the arrival: the OneID's first session (fct_sessions: far fewer rows than events); ties by session id
ranked_sessions as (
    select
        one_id,
        session_id,
        started_at,
        row_number() over (partition by one_id order by started_at asc, session_id asc) as session_number
    from {{ ref('fct_sessions') }}
    where one_id is not null
),

arrivals as (
    select
        one_id,
        session_id as arrival_session_id,
        started_at as arrived_at
    from ranked_sessions
    where session_number = 1
),

-- every event of a OneID's arrival session that names another OneID as its referrer, and whether
-- the referrer arrived first; only equality joins (see candidates)
arrival_referrals as (
    select
        events.one_id as referred_one_id,
        visits.referrer_one_id,
        events.channel,
        events.event_id,
        arrivals.arrived_at as referred_at,
        events.event_at as referral_event_at,
        case when referrer_arrivals.arrived_at < arrivals.arrived_at then 1 else 0 end as referrer_came_first
    from events
    inner join visits on events.event_id = visits.event_id
    inner join arrivals
        on events.one_id = arrivals.one_id
            and events.session_id = arrivals.arrival_session_id
    inner join arrivals as referrer_arrivals
        on visits.referrer_one_id = referrer_arrivals.one_id
    where visits.referrer_one_id <> events.one_id
),

-- the referrer must have arrived before the person they brought. That comparison is a column of
-- arrival_referrals, read by the ranking and the final filter, never a join condition: as a join
-- condition it let DuckDB's optimizer join every arrival to every earlier one first (an inequality
-- join of all OneIDs with all OneIDs, which at a million persons ran for more than 50 minutes).
-- Rows whose referrer came first rank first, so the first row passes the filter exactly when some
-- row does.
candidates as (
    select
        referred_one_id,
        referrer_one_id,
        channel,
        referred_at,
        referral_event_at,
        referrer_came_first,
        row_number() over (
            partition by referred_one_id
            order by
                referrer_came_first desc,
                referral_event_at asc,
                referrer_one_id asc,
                event_id asc
        ) as candidate_number
    from arrival_referrals
),

final as (
    select
        referred_one_id,
        referrer_one_id,
        channel,
        referred_at,
        referral_event_at
    from candidates
    where candidate_number = 1 and referrer_came_first = 1
)

select * from final
