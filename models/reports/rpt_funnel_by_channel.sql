-- the shopping funnel of web, app and mini-program sessions, per channel, per month and overall
with sessions as (
    select * from {{ ref('fct_sessions') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- a session reaches a step when it has that step's event and reached every step before it
reached as (
    select
        channel,
        cast({{ dbt.date_trunc('month', 'started_at') }} as date) as period_start_on,
        1 as reached_visit,
        case when n_product_views > 0 then 1 else 0 end as reached_product_view,
        case when n_product_views > 0 and has_add_to_cart then 1 else 0 end as reached_add_to_cart,
        case when n_product_views > 0 and has_add_to_cart and has_checkout then 1 else 0 end as reached_checkout,
        case
            when n_product_views > 0 and has_add_to_cart and has_checkout and has_purchase then 1 else 0
        end as reached_purchase
    from sessions
),

monthly as (
    select
        channel,
        period_start_on,
        sum(reached_visit) as n_visit,
        sum(reached_product_view) as n_product_view,
        sum(reached_add_to_cart) as n_add_to_cart,
        sum(reached_checkout) as n_checkout,
        sum(reached_purchase) as n_purchase
    from reached
    group by channel, period_start_on
),

periods as (
    select
        monthly.channel,
        -- 'YYYY-MM'
        substring(cast(monthly.period_start_on as {{ dbt.type_string() }}), 1, 7) as period,
        monthly.period_start_on,
        {{ dbt.dateadd('month', 1, 'monthly.period_start_on') }} <= as_of.as_of_end_at as is_complete_period,
        monthly.n_visit,
        monthly.n_product_view,
        monthly.n_add_to_cart,
        monthly.n_checkout,
        monthly.n_purchase
    from monthly
    cross join as_of
    union all
    select
        channel,
        'all' as period,
        cast(null as date) as period_start_on,
        true as is_complete_period,
        sum(n_visit) as n_visit,
        sum(n_product_view) as n_product_view,
        sum(n_add_to_cart) as n_add_to_cart,
        sum(n_checkout) as n_checkout,
        sum(n_purchase) as n_purchase
    from monthly
    group by channel
),

steps as (
    select
        1 as step_number,
        'visit' as step,
        '访问' as step_zh
    union all
    select
        2 as step_number,
        'product_view' as step,
        '浏览商品' as step_zh
    union all
    select
        3 as step_number,
        'add_to_cart' as step,
        '加入购物车' as step_zh
    union all
    select
        4 as step_number,
        'checkout' as step,
        '结算' as step_zh
    union all
    select
        5 as step_number,
        'purchase' as step,
        '购买' as step_zh
),

funnel as (
    select
        periods.channel,
        periods.period,
        periods.period_start_on,
        periods.is_complete_period,
        steps.step_number,
        steps.step,
        steps.step_zh,
        periods.n_visit,
        case steps.step
            when 'visit' then periods.n_visit
            when 'product_view' then periods.n_product_view
            when 'add_to_cart' then periods.n_add_to_cart
            when 'checkout' then periods.n_checkout
            when 'purchase' then periods.n_purchase
        end as n_sessions
    from periods
    cross join steps
),

with_previous as (
    select
        *,
        lag(n_sessions) over (partition by channel, period order by step_number) as n_previous_step
    from funnel
),

final as (
    select
        channel,
        period,
        period_start_on,
        is_complete_period,
        step_number,
        step,
        step_zh,
        cast(n_sessions as bigint) as n_sessions,
        case when n_previous_step > 0 then 1e0 * n_sessions / n_previous_step end as step_conversion_rate,
        case when n_visit > 0 then 1e0 * n_sessions / n_visit end as overall_conversion_rate,
        cast(n_previous_step - n_sessions as bigint) as n_dropped_off,
        case when n_previous_step > 0 then 1e0 - 1e0 * n_sessions / n_previous_step end as drop_off_rate,
        {{ persona.as_of_date() }} as as_of_date
    from with_previous
)

select * from final
