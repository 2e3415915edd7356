-- per tag and value: how many people have it and their share; numbers in up to 5 ranges of equal headcount,
-- categories with many values as the top values plus '(other)'
{%- set top_values = var('tag_distribution_top_values') %}
{%- set number_buckets = var('tag_distribution_number_buckets') %}
{%- set low = persona.tag_value_as_string('value_min', 'number') %}
{%- set high = persona.tag_value_as_string('value_max', 'number') %}

with catalog as (
    select * from {{ ref('dim_tags') }}
),

tag_values as (
    select
        tag_values.tag_code,
        tag_values.tag_value,
        catalog.value_type
    from {{ ref('fct_customer_tags') }} as tag_values
    inner join catalog on tag_values.tag_code = catalog.tag_code
),

-- booleans and categories: every value, the rarest folded into '(other)' past the top values
value_counts as (
    select
        tag_code,
        tag_value,
        count(*) as customers,
        row_number() over (partition by tag_code order by count(*) desc, tag_value asc) as value_rank
    from tag_values
    where value_type <> 'number'
    group by tag_code, tag_value
),

labelled_values as (
    select
        tag_code,
        case when value_rank <= {{ top_values }} then tag_value else '(other)' end as tag_value,
        cast(null as double) as value_min,
        cast(null as double) as value_max,
        min(value_rank) as value_order,
        sum(customers) as customers
    from value_counts
    group by tag_code, case when value_rank <= {{ top_values }} then tag_value else '(other)' end
),

-- numbers: a value held by a fifth of the people or more (often 0) is a range of its own; the other
-- values form ranges of about equal headcount (a value never straddles two ranges)
numbers as (
    select
        tag_code,
        cast(tag_value as double) as value_number
    from tag_values
    where value_type = 'number'
),

number_counts as (
    select
        tag_code,
        value_number,
        count(*) as customers,
        sum(count(*)) over (partition by tag_code) as tag_customers
    from numbers
    group by tag_code, value_number
),

frequent_numbers as (
    select
        tag_code,
        value_number as value_min,
        value_number as value_max,
        customers
    from number_counts
    where customers * {{ number_buckets }} >= tag_customers
),

-- the other values in ranges of equal headcount: ntile(number_buckets) over their rows in value order,
-- computed from each value's count and the count before it (the range of a value's first row, as
-- SQL's ntile numbers rows), so the rows themselves are never sorted
other_counts as (
    select
        tag_code,
        value_number,
        customers,
        sum(customers) over (partition by tag_code) as n_rows,
        least(sum(customers) over (partition by tag_code), {{ number_buckets }}) as n_tiles,
        coalesce(sum(customers) over (
            partition by tag_code order by value_number rows between unbounded preceding and 1 preceding
        ), 0) as rows_before
    from number_counts
    where customers * {{ number_buckets }} < tag_customers
),

-- ntile: the first n_large tiles hold one row more than the others (n_size)
tile_sizes as (
    select
        *,
        n_rows - n_tiles * n_size as n_large
    from (
        select
            *,
            floor(n_rows * 1e0 / n_tiles) as n_size
        from other_counts
    ) as sized
),

other_ranges as (
    select
        tag_code,
        min(value_number) as value_min,
        max(value_number) as value_max,
        sum(customers) as customers
    from (
        select
            tag_code,
            value_number,
            customers,
            case
                when rows_before < n_large * (n_size + 1) then floor(rows_before * 1e0 / (n_size + 1))
                else n_large + floor((rows_before - n_large * (n_size + 1)) * 1e0 / n_size)
            end as bucket
        from tile_sizes
    ) as assigned
    group by tag_code, bucket
),

bucketed as (
    select
        tag_code,
        value_min,
        value_max,
        customers
    from frequent_numbers
    union all
    select
        tag_code,
        value_min,
        value_max,
        customers
    from other_ranges
),

labelled_numbers as (
    select
        tag_code,
        case
            when value_min = value_max then {{ low }}
            else {{ dbt.concat([low, "' - '", high]) }}
        end as tag_value,
        value_min,
        value_max,
        row_number() over (partition by tag_code order by value_min) as value_order,
        customers
    from bucketed
),

distribution as (
    select
        tag_code,
        tag_value,
        value_min,
        value_max,
        value_order,
        customers
    from labelled_values
    union all
    select
        tag_code,
        tag_value,
        value_min,
        value_max,
        value_order,
        customers
    from labelled_numbers
),

final as (
    select
        distribution.tag_code,
        catalog.name_zh,
        catalog.name_en,
        catalog.tag_category,
        catalog.value_type,
        distribution.tag_value,
        distribution.value_min,
        distribution.value_max,
        cast(
            row_number() over (partition by distribution.tag_code order by distribution.value_order) as bigint
        ) as value_order,
        cast(distribution.customers as bigint) as customers,
        cast(
            distribution.customers * 1e0 / sum(distribution.customers) over (partition by distribution.tag_code)
            as double
        ) as share_of_tagged,
        catalog.as_of_date
    from distribution
    inner join catalog on distribution.tag_code = catalog.tag_code
)

select * from final
