-- what people like a person buy, for people we know little about (cold start): the most bought
-- products of the popularity window (distinct buyers) per segment of known attributes, at four
-- levels from fine to coarse: gender + age band + city tier, gender + age band, gender, everyone
-- (segment_key 'all'). Each segment keeps its var recommendation_popular_candidates best products
-- on sale; int_recommendation_people picks the finest segment with enough buyers.
{%- set popularity_days = var('recommendation_popularity_days') | int %}

with cutoffs as (
    select cutoff_on from {{ ref('int_recommendation_cutoffs') }}
),

customers as (
    select
        one_id,
        gender,
        age_band,
        cast(city_tier as {{ dbt.type_string() }}) as city_tier
    from {{ ref('dim_customers') }}
),

products as (
    select
        cutoff_on,
        product_id
    from {{ ref('int_recommendation_products') }}
    where is_on_sale
),

recent_buyers as (
    select distinct
        cutoffs.cutoff_on,
        items.one_id,
        items.product_id
    from {{ ref('fct_order_items') }} as items
    inner join cutoffs
        on
            items.order_on <= cutoffs.cutoff_on
            and items.order_on > cast({{ dbt.dateadd('day', -popularity_days, 'cutoffs.cutoff_on') }} as date)
    where items.is_purchase and items.one_id is not null and items.product_id is not null
),

buyer_attributes as (
    select
        recent_buyers.cutoff_on,
        recent_buyers.one_id,
        recent_buyers.product_id,
        customers.gender,
        customers.age_band,
        customers.city_tier
    from recent_buyers
    inner join customers on recent_buyers.one_id = customers.one_id
),

segment_rows as (
    select
        cutoff_on,
        1 as segment_level,
        gender || '|' || age_band || '|' || city_tier as segment_key,
        one_id,
        product_id
    from buyer_attributes
    where gender is not null and age_band is not null and city_tier is not null
    union all
    select
        cutoff_on,
        2 as segment_level,
        gender || '|' || age_band as segment_key,
        one_id,
        product_id
    from buyer_attributes
    where gender is not null and age_band is not null
    union all
    select
        cutoff_on,
        3 as segment_level,
        gender as segment_key,
        one_id,
        product_id
    from buyer_attributes
    where gender is not null
    union all
    select
        cutoff_on,
        4 as segment_level,
        'all' as segment_key,
        one_id,
        product_id
    from buyer_attributes
),

segment_sizes as (
    select
        cutoff_on,
        segment_level,
        segment_key,
        count(distinct one_id) as segment_buyers
    from segment_rows
    group by cutoff_on, segment_level, segment_key
),

segment_counts as (
    select
        segment_rows.cutoff_on,
        segment_rows.segment_level,
        segment_rows.segment_key,
        segment_rows.product_id,
        count(*) as n_buyers
    from segment_rows
    inner join products
        on segment_rows.cutoff_on = products.cutoff_on and segment_rows.product_id = products.product_id
    group by segment_rows.cutoff_on, segment_rows.segment_level, segment_rows.segment_key, segment_rows.product_id
),

ranked as (
    select
        segment_counts.cutoff_on,
        segment_counts.segment_level,
        segment_counts.segment_key,
        segment_sizes.segment_buyers,
        segment_counts.product_id,
        segment_counts.n_buyers,
        1e0 * segment_counts.n_buyers / sum(segment_counts.n_buyers) over (
            partition by segment_counts.cutoff_on, segment_counts.segment_level, segment_counts.segment_key
        ) as segment_share,
        row_number() over (
            partition by segment_counts.cutoff_on, segment_counts.segment_level, segment_counts.segment_key
            order by segment_counts.n_buyers desc, segment_counts.product_id asc
        ) as segment_rank
    from segment_counts
    inner join segment_sizes
        on
            segment_counts.cutoff_on = segment_sizes.cutoff_on
            and segment_counts.segment_level = segment_sizes.segment_level
            and segment_counts.segment_key = segment_sizes.segment_key
),

final as (
    select * from ranked
    where segment_rank <= {{ var('recommendation_popular_candidates') | int }}
)

select * from final
