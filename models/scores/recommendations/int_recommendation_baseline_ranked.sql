-- the popularity baseline the recommendations are judged against, at the evaluation cutoff: for
-- each person evaluated, the 10 products on sale with the most buyers in the popularity window,
-- leaving out what the person already bought (the recommendations' exclusion rule); ties by
-- product_id
with evaluated as (
    select
        cutoff_on,
        one_id
    from {{ ref('int_recommendation_people') }}
    where cutoff_purpose = 'evaluate'
),

products as (
    select
        cutoff_on,
        product_id,
        n_recent_buyers,
        popularity_rank
    from {{ ref('int_recommendation_products') }}
    where is_on_sale
),

bought as (
    select
        cutoff_on,
        one_id,
        product_id
    from {{ ref('int_recommendation_interactions') }}
    where has_bought
),

-- a person who bought n products needs at most the 10 + n most popular ones
people as (
    select
        evaluated.cutoff_on,
        evaluated.one_id,
        count(bought.product_id) as n_bought
    from evaluated
    left join bought on evaluated.cutoff_on = bought.cutoff_on and evaluated.one_id = bought.one_id
    group by evaluated.cutoff_on, evaluated.one_id
),

candidates as (
    select
        people.cutoff_on,
        people.one_id,
        products.product_id,
        products.n_recent_buyers
    from people
    inner join products
        on people.cutoff_on = products.cutoff_on and products.popularity_rank <= 10 + people.n_bought
    left join bought
        on
            people.cutoff_on = bought.cutoff_on
            and people.one_id = bought.one_id
            and products.product_id = bought.product_id
    where bought.product_id is null
),

ranked as (
    select
        cutoff_on,
        one_id,
        product_id,
        row_number() over (
            partition by cutoff_on, one_id order by n_recent_buyers desc, product_id asc
        ) as recommendation_rank
    from candidates
),

final as (
    select
        cutoff_on,
        one_id,
        cast(recommendation_rank as integer) as recommendation_rank,
        product_id
    from ranked
    where recommendation_rank <= 10
)

select * from final
