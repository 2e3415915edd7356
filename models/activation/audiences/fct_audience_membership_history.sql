{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['audience_code', 'one_id', 'entered_on'],
    on_schema_change='fail'
) }}
-- audience membership over time: one row per stay in an audience, entered and exited on as-of dates
with members as (
    select * from {{ ref('fct_audience_members') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

{% if is_incremental() %}
    -- history only moves forward: a build as of an earlier date than the last one changes nothing;
    -- a rebuild as of the same date (e.g. after a rule change) applies its changes on that date
    last_logged as (
        select max(coalesce(history.exited_on, history.entered_on)) as last_as_of_date
        from {{ this }} as history
    ),

    open_stays as (
        select history.*
        from {{ this }} as history
        where history.exited_on is null
    ),

    moving_forward as (
        select as_of.as_of_date
        from as_of
        cross join last_logged
        where last_logged.last_as_of_date is null or as_of.as_of_date >= last_logged.last_as_of_date
    ),

    exits as (
        select
            open_stays.audience_code,
            open_stays.one_id,
            open_stays.entered_on,
            moving_forward.as_of_date as exited_on
        from open_stays
        cross join moving_forward
        left join members
            on
                open_stays.audience_code = members.audience_code
                and open_stays.one_id = members.one_id
        where members.one_id is null
    ),

    entries as (
        select
            members.audience_code,
            members.one_id,
            moving_forward.as_of_date as entered_on,
            cast(null as date) as exited_on
        from members
        cross join moving_forward
        left join open_stays
            on
                members.audience_code = open_stays.audience_code
                and members.one_id = open_stays.one_id
        where open_stays.one_id is null
    ),

    changes as (
        select * from exits
        union all
        select * from entries
    ),
{% else %}
    changes as (
        select
            members.audience_code,
            members.one_id,
            as_of.as_of_date as entered_on,
            cast(null as date) as exited_on
        from members
        cross join as_of
    ),
{% endif %}

final as (
    select
        audience_code,
        one_id,
        entered_on,
        exited_on,
        exited_on is null as is_current
    from changes
)

select * from final
