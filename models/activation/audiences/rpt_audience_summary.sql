-- per audience: size, share of all customers and how many can be reached on each of its channels
with definitions as (
    select * from {{ ref('dim_audiences') }}
),

members as (
    select
        audience_code,
        count(*) as n_members
    from {{ ref('fct_audience_members') }}
    group by audience_code
),

exports as (
    select
        audience_code,
        {%- for channel in var('audience_export_channels') %}
            sum(case when channel = '{{ channel }}' then 1 else 0 end) as n_{{ channel }},
        {%- endfor %}
        count(distinct one_id) as n_reachable
    from {{ ref('fct_audience_exports') }}
    group by audience_code
),

population as (
    select count(*) as n_customers from {{ ref('dim_customers') }}
),

final as (
    select
        definitions.audience_code,
        definitions.name_zh,
        definitions.name_en,
        definitions.channels,
        cast(coalesce(members.n_members, 0) as bigint) as n_members,
        cast(
            case when population.n_customers > 0 then coalesce(members.n_members, 0) * 1e0 / population.n_customers end
            as double
        ) as share_of_customers,
        cast(coalesce(exports.n_reachable, 0) as bigint) as n_reachable,
        {%- for channel in var('audience_export_channels') %}
            cast(coalesce(exports.n_{{ channel }}, 0) as bigint) as n_{{ channel }}_exported,
        {%- endfor %}
        definitions.as_of_date
    from definitions
    cross join population
    left join members on definitions.audience_code = members.audience_code
    left join exports on definitions.audience_code = exports.audience_code
)

select * from final
