-- who gets recommendations at each cutoff, and the segment of known attributes their popular
-- products come from. At the as-of date: every person of dim_customers. At the evaluation cutoff:
-- the people first seen by then who bought something in the evaluation window after it (the
-- only ones the evaluation can judge). The segment is the finest of gender + age band + city
-- tier, gender + age band, gender with at least var recommendation_cold_start_min_buyers buyers in
-- the popularity window, else everyone. has_history: the person bought or viewed a product by the
-- cutoff (in the lookback window, or bought ever); without it they are a cold start.
-- People who refused personalisation (PIPL art. 24: a current personalisation decision that does
-- not allow it, on any channel) or are under a restriction request get no recommendations at the
-- as-of date; the evaluation keeps them (it is measurement, not a message).
{%- set evaluation_days = var('recommendation_evaluation_days') | int %}
{%- set min_buyers = var('recommendation_cold_start_min_buyers') | int %}

with cutoffs as (
    select
        cutoff_on,
        cutoff_purpose
    from {{ ref('int_recommendation_cutoffs') }}
),

customers as (
    select
        one_id,
        first_seen_at,
        gender,
        age_band,
        cast(city_tier as {{ dbt.type_string() }}) as city_tier
    from {{ ref('dim_customers') }}
),

-- as the consent stands at build time, whatever the as-of date
withheld as (
    select one_id
    from {{ ref('dim_customer_consents') }}
    where purpose = 'personalisation' and not is_consented
    union
    select one_id
    from {{ ref('int_customer_restrictions') }}
),

window_buyers as (
    select distinct
        cutoffs.cutoff_on,
        items.one_id
    from {{ ref('fct_order_items') }} as items
    inner join cutoffs
        on
            cutoffs.cutoff_purpose = 'evaluate'
            and items.order_on > cutoffs.cutoff_on
            and items.order_on <= cast({{ dbt.dateadd('day', evaluation_days, 'cutoffs.cutoff_on') }} as date)
    where items.is_purchase and items.one_id is not null and items.product_id is not null
),

population as (
    select
        cutoffs.cutoff_on,
        cutoffs.cutoff_purpose,
        customers.one_id,
        customers.gender,
        customers.age_band,
        customers.city_tier
    from customers
    inner join cutoffs on cutoffs.cutoff_purpose = 'recommend'
    left join withheld on customers.one_id = withheld.one_id
    where withheld.one_id is null
    union all
    select
        cutoffs.cutoff_on,
        cutoffs.cutoff_purpose,
        customers.one_id,
        customers.gender,
        customers.age_band,
        customers.city_tier
    from customers
    inner join window_buyers on customers.one_id = window_buyers.one_id
    inner join cutoffs
        on
            window_buyers.cutoff_on = cutoffs.cutoff_on
            and cutoffs.cutoff_purpose = 'evaluate'
            and cast(customers.first_seen_at as date) <= cutoffs.cutoff_on
),

histories as (
    select distinct
        cutoff_on,
        one_id
    from {{ ref('int_recommendation_interactions') }}
),

segments as (
    select distinct
        cutoff_on,
        segment_level,
        segment_key,
        segment_buyers
    from {{ ref('int_recommendation_segment_products') }}
    where segment_buyers >= {{ min_buyers }} or segment_level = 4
),

keyed as (
    select
        population.cutoff_on,
        population.cutoff_purpose,
        population.one_id,
        population.gender,
        population.age_band,
        population.city_tier,
        histories.one_id is not null as has_history,
        population.gender || '|' || population.age_band || '|' || population.city_tier as key_1,
        population.gender || '|' || population.age_band as key_2,
        population.gender as key_3
    from population
    left join histories
        on population.cutoff_on = histories.cutoff_on and population.one_id = histories.one_id
),

chosen as (
    select
        keyed.cutoff_on,
        keyed.cutoff_purpose,
        keyed.one_id,
        keyed.gender,
        keyed.age_band,
        keyed.city_tier,
        keyed.has_history,
        case
            when level_1.segment_key is not null then 1
            when level_2.segment_key is not null then 2
            when level_3.segment_key is not null then 3
            else 4
        end as segment_level,
        coalesce(level_1.segment_key, level_2.segment_key, level_3.segment_key, 'all') as segment_key
    from keyed
    left join segments as level_1
        on keyed.cutoff_on = level_1.cutoff_on and level_1.segment_level = 1 and keyed.key_1 = level_1.segment_key
    left join segments as level_2
        on keyed.cutoff_on = level_2.cutoff_on and level_2.segment_level = 2 and keyed.key_2 = level_2.segment_key
    left join segments as level_3
        on keyed.cutoff_on = level_3.cutoff_on and level_3.segment_level = 3 and keyed.key_3 = level_3.segment_key
),

final as (
    select
        cutoff_on,
        cutoff_purpose,
        one_id,
        has_history,
        segment_level,
        segment_key,
        -- the segment in words, for the reason text ("women aged 25-29 in tier-1 cities")
        case
            when segment_level = 4 then 'everyone'
            else
                case gender when 'F' then 'women' when 'M' then 'men' else 'people' end
                || case when segment_level <= 2 then ' aged ' || age_band else '' end
                || case when segment_level = 1 then ' in tier-' || city_tier || ' cities' else '' end
        end as segment_label_en,
        case
            when segment_level = 4 then '所有顾客'
            else
                case
                    when segment_level = 1
                        then
                            case city_tier
                                when '1' then '一线'
                                when '2' then '新一线'
                                when '3' then '二线'
                                when '4' then '三线'
                                else '四线及以下'
                            end || '城市'
                    else ''
                end
                || case when segment_level <= 2 then age_band || '岁' else '' end
                || case gender when 'F' then '女性' when 'M' then '男性' else '顾客' end
        end as segment_label_zh
    from chosen
)

select * from final
