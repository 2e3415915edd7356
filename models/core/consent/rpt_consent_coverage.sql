-- consent coverage for the privacy officer: one row per purpose and channel, how many people
-- have a decision on file, how many may be contacted (granted) and how many may not (withdrawn,
-- unreadable or refused in a set-aside row), as the consent stands at build time
with consents as (
    select * from {{ ref('dim_customer_consents') }}
),

people as (
    select count(distinct one_id) as n_customers
    from {{ ref('int_identity_clusters') }}
    where one_id is not null
),

grid as (
    {%- set rows = [] %}
    {%- for purpose in var('consent_purposes') %}
        {%- for channel in var('consent_channels') %}
            {%- do rows.append((purpose, channel)) %}
        {%- endfor %}
    {%- endfor %}
    {%- for purpose, channel in rows %}
        select
            '{{ purpose }}' as purpose,
            '{{ channel }}' as channel
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

counted as (
    select
        purpose,
        channel,
        count(*) as n_with_decision,
        sum(case when is_consented then 1 else 0 end) as n_granted,
        sum(case when is_consented then 0 else 1 end) as n_not_granted,
        sum(case when consent_issue is not null then 1 else 0 end) as n_with_issue
    from consents
    group by purpose, channel
),

final as (
    select
        grid.purpose,
        grid.channel,
        cast(people.n_customers as bigint) as n_customers,
        cast(coalesce(counted.n_with_decision, 0) as bigint) as n_with_decision,
        cast(coalesce(counted.n_granted, 0) as bigint) as n_granted,
        cast(coalesce(counted.n_not_granted, 0) as bigint) as n_withdrawn,
        cast(coalesce(counted.n_with_issue, 0) as bigint) as n_with_issue,
        cast(
            case
                when people.n_customers > 0
                    then round(1e0 * coalesce(counted.n_granted, 0) / people.n_customers, 6)
            end
            as double
        ) as share_granted,
        {{ persona.as_of_date() }} as as_of_date
    from grid
    cross join people
    left join counted on grid.purpose = counted.purpose and grid.channel = counted.channel
)

select * from final
