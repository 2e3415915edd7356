-- the top 10 recommendations of each person at each cutoff, ranked: a candidate's score is the sum
-- of its signals' scores, each times its weight (var recommendation_weights); its reason is restock
-- when the product is due for one (a bought product comes back only as a restock, and says so),
-- else the signal that contributed most (ties: co_occurrence, category, popular). A product the
-- person already bought is left out unless it is due for a restock, and so is a product not on sale
-- yet. Rank 1 = highest score; equal scores go by product_id, so the list is the same on every
-- engine and every build.
{%- set weights = var('recommendation_weights') %}
{%- set signals = ['restock', 'co_occurrence', 'category', 'popular'] %}

with candidates as (
    select
        cutoff_on,
        one_id,
        product_id,
        signal_code,
        signal_score,
        source_product_id,
        source_category_l1,
        days_since_last_purchase,
        repurchase_cycle_days,
        case signal_code
            {%- for signal in signals %}
                when '{{ signal }}' then {{ weights[signal] }} * signal_score
            {%- endfor %}
        end as contribution,
        case signal_code
            {%- for signal in signals %}
                when '{{ signal }}' then {{ loop.index }}
            {%- endfor %}
        end as signal_priority
    from {{ ref('int_recommendation_candidates') }}
),

people as (
    select
        cutoff_on,
        one_id,
        segment_level,
        segment_label_en,
        segment_label_zh
    from {{ ref('int_recommendation_people') }}
),

products as (
    select
        cutoff_on,
        product_id,
        product_name,
        category_l1,
        category_l2,
        is_on_sale
    from {{ ref('int_recommendation_products') }}
),

bought as (
    select
        cutoff_on,
        one_id,
        product_id
    from {{ ref('int_recommendation_interactions') }}
    where has_bought
),

scored as (
    select
        cutoff_on,
        one_id,
        product_id,
        -- rounded, so that engines summing the same doubles in another order rank alike
        round(sum(contribution), 10) as score,
        max(case when signal_code = 'restock' then 1 else 0 end) = 1 as is_restock
    from candidates
    group by cutoff_on, one_id, product_id
),

eligible as (
    select
        scored.cutoff_on,
        scored.one_id,
        scored.product_id,
        scored.score,
        row_number() over (
            partition by scored.cutoff_on, scored.one_id order by scored.score desc, scored.product_id asc
        ) as recommendation_rank
    from scored
    inner join products
        on scored.cutoff_on = products.cutoff_on and scored.product_id = products.product_id
    left join bought
        on
            scored.cutoff_on = bought.cutoff_on
            and scored.one_id = bought.one_id
            and scored.product_id = bought.product_id
    where products.is_on_sale and (bought.product_id is null or scored.is_restock)
),

-- the ten a person gets at each cutoff (the reasons below are looked up for these only: ranking the
-- signals of every candidate cost most of this model at a million persons)
top_ten as (
    select
        cutoff_on,
        one_id,
        product_id,
        score,
        recommendation_rank
    from eligible
    where recommendation_rank <= 10
),

reasons as (
    select
        candidates.cutoff_on,
        candidates.one_id,
        candidates.product_id,
        candidates.signal_code as reason_code,
        candidates.source_product_id,
        candidates.source_category_l1,
        candidates.days_since_last_purchase,
        candidates.repurchase_cycle_days,
        row_number() over (
            partition by candidates.cutoff_on, candidates.one_id, candidates.product_id
            order by
                case when candidates.signal_code = 'restock' then 0 else 1 end asc,
                candidates.contribution desc,
                candidates.signal_priority asc
        ) as reason_rank
    from candidates
    inner join top_ten
        on
            candidates.cutoff_on = top_ten.cutoff_on
            and candidates.one_id = top_ten.one_id
            and candidates.product_id = top_ten.product_id
),

final as (
    select
        top_ten.cutoff_on,
        top_ten.one_id,
        cast(top_ten.recommendation_rank as integer) as recommendation_rank,
        top_ten.product_id,
        products.product_name,
        products.category_l1,
        products.category_l2,
        reasons.reason_code,
        case reasons.reason_code
            when 'restock'
                then
                    'Time to restock ' || coalesce(products.product_name, top_ten.product_id) || ': last bought '
                    || cast(reasons.days_since_last_purchase as {{ dbt.type_string() }})
                    || ' days ago; people rebuy it about every '
                    || cast(cast(round(reasons.repurchase_cycle_days) as integer) as {{ dbt.type_string() }})
                    || ' days'
            when 'co_occurrence'
                then
                    'Often bought or viewed together with '
                    || coalesce(source_products.product_name, reasons.source_product_id)
            when 'category'
                then 'Popular in your favourite category ' || reasons.source_category_l1
            when 'popular'
                then
                    case
                        when people.segment_level = 4 then 'Popular right now'
                        else 'Popular with ' || people.segment_label_en
                    end
        end as reason_en,
        case reasons.reason_code
            when 'restock'
                then
                    '该补货了：' || coalesce(products.product_name, top_ten.product_id) || ' 上次购买于 '
                    || cast(reasons.days_since_last_purchase as {{ dbt.type_string() }})
                    || ' 天前，顾客通常每 '
                    || cast(cast(round(reasons.repurchase_cycle_days) as integer) as {{ dbt.type_string() }})
                    || ' 天回购一次'
            when 'co_occurrence'
                then '常与 ' || coalesce(source_products.product_name, reasons.source_product_id) || ' 一起购买或浏览'
            when 'category'
                then '您偏好的品类「' || reasons.source_category_l1 || '」中的热门商品'
            when 'popular'
                then
                    case
                        when people.segment_level = 4 then '当下热销'
                        else people.segment_label_zh || '都在买'
                    end
        end as reason_zh,
        reasons.source_product_id,
        top_ten.score
    from top_ten
    inner join reasons
        on
            top_ten.cutoff_on = reasons.cutoff_on
            and top_ten.one_id = reasons.one_id
            and top_ten.product_id = reasons.product_id
            and reasons.reason_rank = 1
    inner join products
        on top_ten.cutoff_on = products.cutoff_on and top_ten.product_id = products.product_id
    inner join people
        on top_ten.cutoff_on = people.cutoff_on and top_ten.one_id = people.one_id
    left join products as source_products
        on reasons.cutoff_on = source_products.cutoff_on and reasons.source_product_id = source_products.product_id
)

select * from final
