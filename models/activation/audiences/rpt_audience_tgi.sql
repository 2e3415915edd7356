-- TGI: how much more (or less) common a tag value is in an audience than among all customers (100 = same)
with members as (
    select * from {{ ref('fct_audience_members') }}
),

tags as (
    select tag_values.*
    from {{ ref('fct_customer_tags') }} as tag_values
    inner join {{ ref('dim_tags') }} as tag_catalog
        on tag_values.tag_code = tag_catalog.tag_code
    -- numbers have too many values to compare one by one; their bands are tags of their own
    where tag_catalog.value_type in ('category', 'boolean')
),

population as (
    select count(*) as n_customers from {{ ref('dim_customers') }}
),

audience_sizes as (
    select
        audience_code,
        count(*) as n_members
    from members
    group by audience_code
),

population_values as (
    select
        tag_code,
        tag_value,
        count(*) as n_customers_with_value
    from tags
    group by tag_code, tag_value
),

audience_values as (
    select
        members.audience_code,
        tags.tag_code,
        tags.tag_value,
        count(*) as n_members_with_value
    from members
    inner join tags on members.one_id = tags.one_id
    group by members.audience_code, tags.tag_code, tags.tag_value
),

final as (
    select
        audience_values.audience_code,
        audience_values.tag_code,
        audience_values.tag_value,
        cast(audience_values.n_members_with_value as bigint) as n_members_with_value,
        cast(audience_sizes.n_members as bigint) as n_members,
        cast(audience_values.n_members_with_value * 1e0 / audience_sizes.n_members as double) as audience_share,
        cast(population_values.n_customers_with_value as bigint) as n_customers_with_value,
        cast(population_values.n_customers_with_value * 1e0 / population.n_customers as double) as population_share,
        cast(
            1e2 * (audience_values.n_members_with_value * 1e0 / audience_sizes.n_members)
            / (population_values.n_customers_with_value * 1e0 / population.n_customers) as double
        ) as tgi,
        {{ persona.as_of_date() }} as as_of_date
    from audience_values
    inner join audience_sizes on audience_values.audience_code = audience_sizes.audience_code
    inner join population_values
        on
            audience_values.tag_code = population_values.tag_code
            and audience_values.tag_value = population_values.tag_value
    cross join population
)

select * from final
