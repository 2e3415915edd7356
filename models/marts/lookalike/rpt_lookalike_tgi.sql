-- the expansion audience against its seed: per category and boolean tag value, its share among the seed
-- members, the selected lookalikes and all customers, and TGI (100 = as common as in the seed)
with seeds as (
    select * from {{ ref('int_lookalike_seeds') }}
),

scores as (
    select * from {{ ref('int_lookalike_scores') }}
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

groups as (
    select
        seed_audience_code,
        expansion_audience_code,
        'seed' as member_group,
        one_id
    from seeds
    union all
    select
        seed_audience_code,
        expansion_audience_code,
        'expansion' as member_group,
        one_id
    from scores
    where is_selected
),

group_sizes as (
    select
        seed_audience_code,
        member_group,
        count(*) as n_members
    from groups
    group by seed_audience_code, member_group
),

group_values as (
    select
        groups.seed_audience_code,
        groups.expansion_audience_code,
        tags.tag_code,
        tags.tag_value,
        count(case when groups.member_group = 'seed' then 1 end) as n_seed_with_value,
        count(case when groups.member_group = 'expansion' then 1 end) as n_expansion_with_value
    from groups
    inner join tags on groups.one_id = tags.one_id
    group by groups.seed_audience_code, groups.expansion_audience_code, tags.tag_code, tags.tag_value
),

population_values as (
    select
        tag_code,
        tag_value,
        count(*) as n_customers_with_value
    from tags
    group by tag_code, tag_value
),

shares as (
    select
        group_values.seed_audience_code,
        group_values.expansion_audience_code,
        group_values.tag_code,
        group_values.tag_value,
        group_values.n_seed_with_value,
        seed_sizes.n_members as n_seed,
        group_values.n_seed_with_value * 1.0 / seed_sizes.n_members as seed_share,
        group_values.n_expansion_with_value,
        coalesce(expansion_sizes.n_members, 0) as n_expansion,
        group_values.n_expansion_with_value * 1.0 / nullif(expansion_sizes.n_members, 0) as expansion_share,
        population_values.n_customers_with_value * 1.0 / population.n_customers as population_share
    from group_values
    inner join group_sizes as seed_sizes
        on
            group_values.seed_audience_code = seed_sizes.seed_audience_code
            and seed_sizes.member_group = 'seed'
    left join group_sizes as expansion_sizes
        on
            group_values.seed_audience_code = expansion_sizes.seed_audience_code
            and expansion_sizes.member_group = 'expansion'
    inner join population_values
        on
            group_values.tag_code = population_values.tag_code
            and group_values.tag_value = population_values.tag_value
    cross join population
),

final as (
    select
        seed_audience_code,
        expansion_audience_code,
        tag_code,
        tag_value,
        cast(n_seed_with_value as bigint) as n_seed_with_value,
        cast(n_seed as bigint) as n_seed,
        cast(seed_share as double) as seed_share,
        cast(n_expansion_with_value as bigint) as n_expansion_with_value,
        cast(n_expansion as bigint) as n_expansion,
        cast(expansion_share as double) as expansion_share,
        cast(population_share as double) as population_share,
        cast(100.0 * expansion_share / nullif(seed_share, 0) as double) as tgi_expansion_vs_seed,
        cast(100.0 * expansion_share / population_share as double) as tgi_expansion_vs_population,
        cast(100.0 * seed_share / population_share as double) as tgi_seed_vs_population,
        {{ persona.as_of_date() }} as as_of_date
    from shares
)

select * from final
