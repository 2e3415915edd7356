-- when each person entered and left each tag value, from the tag snapshot (one row per person, tag and value period)
with history as (
    select * from {{ ref('snap_customer_tags') }}
),

-- the as-of date of each build that wrote the snapshot (a build's versions share its start time)
builds as (
    select
        dbt_valid_from as built_at,
        max(as_of_date) as as_of_date
    from history
    group by dbt_valid_from
),

final as (
    select
        history.one_id,
        history.tag_code,
        history.tag_category,
        history.tag_value,
        history.dbt_valid_from as valid_from,
        history.dbt_valid_to as valid_to,
        history.as_of_date as valid_from_as_of_date,
        closing_build.as_of_date as valid_to_as_of_date,
        history.dbt_valid_to is null as is_current
    from history
    left join builds as closing_build on history.dbt_valid_to = closing_build.built_at
)

select * from final
