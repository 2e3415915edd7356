-- audience membership over time: one row per stay in an audience, entered and exited on as-of dates
with stays as (
    select *
    from {{ persona.history_versions(ref('int_audience_membership_log'), ['audience_code', 'one_id']) }} as stays
),

-- a stay left and re-entered by rebuilds as of one date counts once, as the last build of that date left it
latest_per_day as (
    select
        stays.*,
        row_number() over (
            partition by stays.audience_code, stays.one_id, stays.valid_from_as_of_date
            order by stays.valid_from desc
        ) as day_rank
    from stays
),

final as (
    select
        audience_code,
        one_id,
        valid_from_as_of_date as entered_on,
        valid_to_as_of_date as exited_on,
        valid_to is null as is_current
    from latest_per_day
    where day_rank = 1
)

select * from final
