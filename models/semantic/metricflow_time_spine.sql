-- one row per calendar day from var('earliest_valid_date') to the as-of date: MetricFlow's time spine
{#-
    The series is long enough to reach 2100-01-01 from the earliest valid date; the days after the
    as-of date are cut, so the spine ends where the marts end (nothing later is in them).
-#}
{%- do persona.check_settings() -%}  {#- the date below is parsed here: a malformed one gets the clear message -#}
{%- set first_day = var('earliest_valid_date') | string -%}
{%- set n_days = (modules.datetime.date(2100, 1, 1) - modules.datetime.date.fromisoformat(first_day)).days %}

with series as (
    select generated_number
    from ({{ dbt.generate_series(n_days) }}) as numbers
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'generated_number - 1', "cast('" ~ first_day ~ "' as date)") }} as date
        ) as date_day
    from series
),

final as (
    select days.date_day
    from days
    where days.date_day <= {{ persona.as_of_date() }}
)

select * from final
