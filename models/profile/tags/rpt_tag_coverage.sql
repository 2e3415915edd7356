-- per tag: how many people have a value (coverage), how many values it takes, and how many are true
with catalog as (
    select * from {{ ref('dim_tags') }}
),

tag_values as (
    select * from {{ ref('fct_customer_tags') }}
),

scope as (
    select count(*) as customers_in_scope from {{ ref('int_customer_tag_values') }}
),

tagged as (
    select
        tag_code,
        count(*) as customers_tagged,
        count(distinct tag_value) as distinct_values,
        sum(case when tag_value = 'true' then 1 else 0 end) as customers_true
    from tag_values
    group by tag_code
),

final as (
    select
        catalog.tag_code,
        catalog.name_zh,
        catalog.name_en,
        catalog.tag_category,
        catalog.value_type,
        cast(scope.customers_in_scope as bigint) as customers_in_scope,
        cast(coalesce(tagged.customers_tagged, 0) as bigint) as customers_tagged,
        cast(
            coalesce(tagged.customers_tagged, 0) * 1e0 / nullif(scope.customers_in_scope, 0) as double
        ) as coverage,
        cast(coalesce(tagged.distinct_values, 0) as bigint) as distinct_values,
        case
            when catalog.value_type = 'boolean' then cast(coalesce(tagged.customers_true, 0) as bigint)
        end as customers_true,
        catalog.display_order,
        catalog.as_of_date
    from catalog
    cross join scope
    left join tagged on catalog.tag_code = tagged.tag_code
)

select * from final
