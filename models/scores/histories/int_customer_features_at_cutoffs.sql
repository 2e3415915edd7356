-- the customer features of the Python models (clusters, propensity, lookalike), computed once: one
-- row per person and cutoff date, for everyone first seen on or before the cutoff, from data up to
-- the cutoff; the cutoffs are the as-of date, the earlier dates the propensity models train and
-- judge on, and the clusters' fit date (int_as_of_date.refit_on). Definitions: the docs of
-- persona.models.features (whose customer_features is the in-memory reference these rows are
-- tested against). Labels: purchase days in the horizon after
-- the cutoff, null while that window is not over by the as-of date.
{%- set purchase_horizon = var('propensity_purchase_days') | int %}
{%- set churn_horizon = var('propensity_churn_days') | int %}
{%- set horizons = [purchase_horizon, churn_horizon] | unique | sort %}
{%- set offsets = [0, purchase_horizon, 2 * purchase_horizon, churn_horizon, 2 * churn_horizon] | unique | sort %}
{%- set windows = [30, 90, 365] %}
{%- set channel_groups = ['marketplace', 'own_mall', 'store'] %}
{%- set categories = persona.get_column_values(ref('int_customer_category_days'), 'category_l1') %}

with as_of as (
    select
        as_of_date,
        refit_on
    from {{ ref('int_as_of_date') }}
),

-- union (distinct): refit_on may be one of the other cutoffs (the as-of date on a month end)
cutoffs as (
    {%- for offset in offsets %}
        select cast({{ dbt.dateadd('day', -offset, 'as_of_date') }} as date) as cutoff_on from as_of
        union
    {%- endfor %}
    select cast(refit_on as date) as cutoff_on from as_of
),

population as (
    select
        cutoffs.cutoff_on,
        customers.one_id,
        {{ dbt.datediff('cast(customers.first_seen_at as date)', 'cutoffs.cutoff_on', 'day') }} as tenure_days  -- noqa: LT05
    from {{ ref('dim_customers') }} as customers
    inner join cutoffs on cast(customers.first_seen_at as date) <= cutoffs.cutoff_on
),

-- amounts are summed as exact decimals (cents), so the same data gives the same features to the last bit
purchase_days as (
    select
        one_id,
        purchase_on,
        channel_group,
        n_orders,
        n_coupon_orders,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(net_amount as decimal(18, 2)) as net_amount
    from {{ ref('int_customer_purchase_days') }}
),

-- one row per cutoff, person and purchase day on or before the cutoff (the channel groups of a day merged)
purchase_days_before as (
    select
        cutoffs.cutoff_on,
        purchase_days.one_id,
        purchase_days.purchase_on,
        {{ dbt.datediff('purchase_days.purchase_on', 'cutoffs.cutoff_on', 'day') }} as days_ago,  -- noqa: LT05
        {%- for group in channel_groups %}
            sum(
                case when purchase_days.channel_group = '{{ group }}' then purchase_days.net_amount else 0 end
            ) as net_amount__{{ group }},
        {%- endfor %}
        -- the channel groups' total, the denominator of their shares
        sum(
            case
                when purchase_days.channel_group in ('{{ channel_groups | join("', '") }}')  -- noqa: LT05
                    then purchase_days.net_amount
                else 0
            end
        ) as channel_net_amount,
        sum(purchase_days.n_orders) as n_orders,
        sum(purchase_days.n_coupon_orders) as n_coupon_orders,
        sum(purchase_days.gross_amount) as gross_amount,
        sum(purchase_days.discount_amount) as discount_amount,
        sum(purchase_days.net_amount) as net_amount
    from purchase_days
    inner join cutoffs on purchase_days.purchase_on <= cutoffs.cutoff_on
    group by cutoffs.cutoff_on, purchase_days.one_id, purchase_days.purchase_on
),

purchase_features as (
    select
        cutoff_on,
        one_id,
        {%- for window in windows %}
            sum(case when days_ago < {{ window }} then 1 else 0 end) as purchase_days_{{ window }}d,
            cast(sum(case when days_ago < {{ window }} then net_amount else 0 end) as double)
                as net_spend_{{ window }}d,
        {%- endfor %}
        {%- for group in channel_groups %}
            cast(sum(net_amount__{{ group }}) as double) as net_amount__{{ group }},
        {%- endfor %}
        cast(sum(channel_net_amount) as double) as channel_net_amount,
        min(days_ago) as recency_days,
        count(*) as purchase_days_total,
        cast(sum(net_amount) as double) as net_spend_total,
        cast(sum(gross_amount) as double) as gross_amount,
        cast(sum(discount_amount) as double) as discount_amount,
        sum(n_orders) as n_orders,
        sum(n_coupon_orders) as n_coupon_orders
    from purchase_days_before
    group by cutoff_on, one_id
),

category_features as (
    select
        cutoffs.cutoff_on,
        category_days.one_id,
        {%- for category in categories %}
            cast(sum(
                case
                    when category_days.category_l1 = {{ persona.quote_literal(category) }}
                        then cast(category_days.net_amount as decimal(18, 2))
                    else 0
                end
            ) as double) as category_amount_{{ loop.index }},
        {%- endfor %}
        cast(sum(cast(category_days.net_amount as decimal(18, 2))) as double) as category_total
    from {{ ref('int_customer_category_days') }} as category_days
    inner join cutoffs on category_days.purchase_on <= cutoffs.cutoff_on
    group by cutoffs.cutoff_on, category_days.one_id
),

activity_days_before as (
    select
        cutoffs.cutoff_on,
        activity_days.one_id,
        activity_days.n_events,
        activity_days.n_product_views,
        activity_days.n_add_to_carts,
        {{ dbt.datediff('activity_days.activity_on', 'cutoffs.cutoff_on', 'day') }} as days_ago  -- noqa: LT05
    from {{ ref('int_customer_activity_days') }} as activity_days
    inner join cutoffs on activity_days.activity_on <= cutoffs.cutoff_on
),

activity_features as (
    select
        cutoff_on,
        one_id,
        min(days_ago) as days_since_last_activity,
        sum(case when days_ago < 30 then 1 else 0 end) as active_days_30d,
        sum(case when days_ago < 90 then 1 else 0 end) as active_days_90d,
        sum(case when days_ago < 90 then n_events else 0 end) as events_90d,
        sum(case when days_ago < 30 then n_product_views else 0 end) as product_views_30d,
        sum(case when days_ago < 30 then n_add_to_carts else 0 end) as add_to_carts_30d
    from activity_days_before
    group by cutoff_on, one_id
),

-- distinct purchase days in the horizon after each cutoff: the propensity labels
purchase_days_after as (
    select
        cutoffs.cutoff_on,
        purchase_days.one_id,
        {%- for horizon in horizons %}
            count(distinct case
                when purchase_days.purchase_on <= {{ dbt.dateadd('day', horizon, 'cutoffs.cutoff_on') }}
                    then purchase_days.purchase_on
            end) as purchase_days_next_{{ horizon }}d,
        {%- endfor %}
        max(purchase_days.purchase_on) as last_purchase_on
    from purchase_days
    inner join cutoffs on purchase_days.purchase_on > cutoffs.cutoff_on
    group by cutoffs.cutoff_on, purchase_days.one_id
),

joined as (
    select
        population.cutoff_on,
        population.one_id,
        {%- for window in windows %}
            cast(coalesce(purchases.purchase_days_{{ window }}d, 0) as double) as purchase_days_{{ window }}d,
            coalesce(purchases.net_spend_{{ window }}d, 0) as net_spend_{{ window }}d,
        {%- endfor %}
        {%- for group in channel_groups %}
            coalesce(purchases.net_amount__{{ group }}, 0) as net_amount__{{ group }},
        {%- endfor %}
        {%- for category in categories %}
            greatest(coalesce(categories.category_amount_{{ loop.index }}, 0), 0) as category_amount_{{ loop.index }},
        {%- endfor %}
        {%- for horizon in horizons %}
            case
                when {{ dbt.dateadd('day', horizon, 'population.cutoff_on') }} <= as_of.as_of_date
                    then coalesce(after_cutoff.purchase_days_next_{{ horizon }}d, 0)
            end as purchase_days_next_{{ horizon }}d,
        {%- endfor %}
        cast(population.tenure_days as double) as tenure_days,
        cast(coalesce(purchases.recency_days, population.tenure_days + 1) as double) as recency_days,
        cast(coalesce(purchases.purchase_days_total, 0) as double) as purchase_days_total,
        coalesce(purchases.net_spend_total, 0) as net_spend_total,
        coalesce(purchases.channel_net_amount, 0) as channel_net_amount,
        coalesce(purchases.gross_amount, 0) as gross_amount,
        coalesce(purchases.discount_amount, 0) as discount_amount,
        cast(coalesce(purchases.n_orders, 0) as double) as n_orders,
        cast(coalesce(purchases.n_coupon_orders, 0) as double) as n_coupon_orders,
        greatest(coalesce(categories.category_total, 0), 0) as category_total,
        cast(coalesce(activity.days_since_last_activity, population.tenure_days + 1) as double)
            as days_since_last_activity,
        cast(coalesce(activity.active_days_30d, 0) as double) as active_days_30d,
        cast(coalesce(activity.active_days_90d, 0) as double) as active_days_90d,
        cast(coalesce(activity.events_90d, 0) as double) as events_90d,
        cast(coalesce(activity.product_views_30d, 0) as double) as product_views_30d,
        cast(coalesce(activity.add_to_carts_30d, 0) as double) as add_to_carts_30d
    from population
    cross join as_of
    left join purchase_features as purchases
        on population.cutoff_on = purchases.cutoff_on and population.one_id = purchases.one_id
    left join category_features as categories
        on population.cutoff_on = categories.cutoff_on and population.one_id = categories.one_id
    left join activity_features as activity
        on population.cutoff_on = activity.cutoff_on and population.one_id = activity.one_id
    left join purchase_days_after as after_cutoff
        on population.cutoff_on = after_cutoff.cutoff_on and population.one_id = after_cutoff.one_id
),

-- the columns in the order of persona.models.features.customer_features (a model's feature order)
final as (
    select
        cutoff_on,
        one_id,
        {%- for horizon in horizons %}
            purchase_days_next_{{ horizon }}d,
        {%- endfor %}
        tenure_days,
        recency_days,
        purchase_days_total,
        net_spend_total,
        {%- for window in windows %}
            purchase_days_{{ window }}d,
            net_spend_{{ window }}d,
        {%- endfor %}
        case when purchase_days_total > 0 then cast(1 as double) else cast(0 as double) end as has_purchased,
        case
            when purchase_days_total > 0 then net_spend_total / purchase_days_total else cast(0 as double)
        end as average_order_value,
        case when gross_amount > 0 then discount_amount / gross_amount else cast(0 as double) end as discount_share,
        case when n_orders > 0 then n_coupon_orders / n_orders else cast(0 as double) end as coupon_share,
        ln(1 + recency_days) as log_recency,
        ln(1 + purchase_days_365d) as log_frequency,
        ln(1 + greatest(net_spend_365d, 0)) as log_monetary,
        {%- for group in channel_groups %}
            case
                when channel_net_amount > 0 then net_amount__{{ group }} / channel_net_amount else cast(0 as double)
            end as channel_share__{{ group }},
        {%- endfor %}
        {%- for category in categories %}
            case
                when category_total > 0 then category_amount_{{ loop.index }} / category_total else cast(0 as double)
            end as {{ adapter.quote('category_share__' ~ category) }},
        {%- endfor %}
        days_since_last_activity,
        active_days_30d,
        active_days_90d,
        events_90d,
        product_views_30d,
        add_to_carts_30d
    from joined
)

select * from final
