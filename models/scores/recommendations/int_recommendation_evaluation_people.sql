-- the evaluation of the recommendations, person by person: for each method (the recommender,
-- and the popularity baseline) and each person evaluated at the evaluation cutoff (first seen by
-- then, bought something in the var recommendation_evaluation_days days after it), the products
-- they bought in that window, how many of them the method's top 10 held, and the discounted
-- cumulative gain of the hits (binary relevance, log2 discount) next to the ideal one (all of the
-- first min(10, products bought) places hit); with the person's lifecycle stage on the cutoff
{%- set evaluation_days = var('recommendation_evaluation_days') | int %}

with people as (
    select
        cutoff_on,
        one_id
    from {{ ref('int_recommendation_people') }}
    where cutoff_purpose = 'evaluate'
),

lists as (
    select
        ranked.cutoff_on,
        'recommender' as method,  -- noqa: RF04
        ranked.one_id,
        ranked.recommendation_rank,
        ranked.product_id
    from {{ ref('int_recommendations_ranked') }} as ranked
    inner join people on ranked.cutoff_on = people.cutoff_on and ranked.one_id = people.one_id
    union all
    select
        cutoff_on,
        'popularity' as method,  -- noqa: RF04
        one_id,
        recommendation_rank,
        product_id
    from {{ ref('int_recommendation_baseline_ranked') }}
),

methods as (
    select 'recommender' as method  -- noqa: RF04
    union all
    select 'popularity' as method  -- noqa: RF04
),

purchased as (
    select distinct
        people.cutoff_on,
        people.one_id,
        items.product_id
    from {{ ref('fct_order_items') }} as items
    inner join people
        on
            items.one_id = people.one_id
            and items.order_on > people.cutoff_on
            and items.order_on <= cast({{ dbt.dateadd('day', evaluation_days, 'people.cutoff_on') }} as date)
    where items.is_purchase and items.product_id is not null
),

n_purchased as (
    select
        cutoff_on,
        one_id,
        count(*) as n_purchased_products
    from purchased
    group by cutoff_on, one_id
),

hits as (
    select
        lists.cutoff_on,
        lists.method,
        lists.one_id,
        count(*) as n_hits,
        sum(1e0 / (ln(lists.recommendation_rank + 1) / ln(2))) as dcg
    from lists
    inner join purchased
        on
            lists.cutoff_on = purchased.cutoff_on
            and lists.one_id = purchased.one_id
            and lists.product_id = purchased.product_id
    group by lists.cutoff_on, lists.method, lists.one_id
),

positions as (
    {%- for position in range(1, 11) %}
        select {{ position }} as list_position
        {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

ideal as (
    select
        n_purchased.cutoff_on,
        n_purchased.one_id,
        sum(1e0 / (ln(positions.list_position + 1) / ln(2))) as ideal_dcg
    from n_purchased
    inner join positions on n_purchased.n_purchased_products >= positions.list_position
    group by n_purchased.cutoff_on, n_purchased.one_id
),

stages as (
    select
        people.cutoff_on,
        people.one_id,
        history.lifecycle_stage
    from people
    inner join {{ ref('fct_customer_lifecycle_history') }} as history
        on
            people.one_id = history.one_id
            and people.cutoff_on >= history.entered_on
            and (history.exited_on is null or people.cutoff_on < history.exited_on)
),

final as (
    select
        people.cutoff_on,
        methods.method,
        people.one_id,
        coalesce(stages.lifecycle_stage, 'prospect') as lifecycle_stage,
        cast(n_purchased.n_purchased_products as integer) as n_purchased_products,
        cast(coalesce(hits.n_hits, 0) as integer) as n_hits,
        -- rounded to 12 decimals: Spark's and DuckDB's logarithms differ in the last bit
        round(coalesce(hits.dcg, 0e0), 12) as dcg,
        round(ideal.ideal_dcg, 12) as ideal_dcg
    from people
    cross join methods
    inner join n_purchased on people.cutoff_on = n_purchased.cutoff_on and people.one_id = n_purchased.one_id
    inner join ideal on people.cutoff_on = ideal.cutoff_on and people.one_id = ideal.one_id
    left join hits
        on
            people.cutoff_on = hits.cutoff_on
            and people.one_id = hits.one_id
            and methods.method = hits.method
    left join stages on people.cutoff_on = stages.cutoff_on and people.one_id = stages.one_id
)

select * from final
