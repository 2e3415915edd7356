-- every feature the tag catalog's definitions read: one row per person (OneID) of dim_customers
-- Counts from a source the brand does not deliver (no events, tickets or messages at all) stay null, so
-- the tags built on them are null ("unknown") rather than a misleading zero; see observed_count.
with customers as (
    select * from {{ ref('dim_customers') }}
),

order_features as (
    select * from {{ ref('int_customer_order_features') }}
),

product_affinities as (
    select * from {{ ref('int_customer_product_affinities') }}
),

event_features as (
    select * from {{ ref('int_customer_event_features') }}
),

service_features as (
    select * from {{ ref('int_customer_service_features') }}
),

campaign_features as (
    select * from {{ ref('int_customer_campaign_features') }}
),

rfm as (
    select * from {{ ref('dim_customer_rfm') }}
),

lifecycle as (
    select * from {{ ref('dim_customer_lifecycle') }}
),

clv as (
    select * from {{ ref('dim_customer_clv') }}
),

propensity as (
    select * from {{ ref('dim_customer_propensity') }}
),

clusters as (
    select * from {{ ref('dim_customer_clusters') }}
),

recommendations as (
    select
        one_id,
        recommendation_rank,
        product_name,
        category_l1
    from {{ ref('fct_customer_recommendations') }}
),

-- the category most of a person's 10 recommendations belong to (ties: the better ranked, then by name)
recommended_categories as (
    select
        one_id,
        category_l1,
        row_number() over (
            partition by one_id order by count(*) desc, min(recommendation_rank) asc, category_l1 asc
        ) as category_rank
    from recommendations
    where category_l1 is not null
    group by one_id, category_l1
),

referrals as (
    select * from {{ ref('dim_customer_referrals') }}
),

order_channels as (
    select
        count(distinct channel_group) as n_order_channel_groups_in_data,
        sum(case when channel_group = 'store' then 1 else 0 end) > 0 as has_store_data,
        sum(case when channel_group = 'own_mall' then 1 else 0 end) > 0 as has_own_mall_data
    from {{ ref('fct_orders') }}
),

-- which sources the brand delivers at all (a marketplace-only brand has orders and products only)
sources_observed as (
    select
        (select count(*) from {{ ref('fct_events') }}) > 0 as has_event_data,
        (select count(*) from {{ ref('fct_service_tickets') }}) > 0 as has_service_data,
        (select count(*) from {{ ref('fct_campaign_touches') }}) > 0 as has_campaign_data,
        (select count(*) from {{ ref('stg_crm__members') }}) > 0 as has_crm_data,
        (select count(*) from {{ ref('stg_wecom__contacts') }}) > 0 as has_wecom_data,
        (select count(*) from {{ ref('int_referral_visits') }}) > 0 as has_referral_data,
        order_channels.n_order_channel_groups_in_data,
        coalesce(order_channels.has_store_data, false) as has_store_data,
        coalesce(order_channels.has_own_mall_data, false) as has_own_mall_data
    from order_channels
),

final as (
    select
        customers.one_id,
        customers.as_of_date,
        sources_observed.has_event_data,
        sources_observed.has_service_data,
        sources_observed.has_campaign_data,
        sources_observed.has_crm_data,
        sources_observed.has_store_data,
        sources_observed.has_own_mall_data,
        sources_observed.n_order_channel_groups_in_data,
        sources_observed.has_referral_data,

        -- the golden record (dim_customers)
        customers.gender,
        customers.age,
        customers.age_band,
        customers.birth_year,
        customers.birth_month,
        customers.city,
        customers.city_tier,
        customers.member_id,
        case when sources_observed.has_crm_data then customers.is_member end as is_member,
        customers.member_tier,
        customers.register_channel,
        customers.registered_at,
        {{ dbt.datediff('cast(customers.registered_at as date)', 'customers.as_of_date', 'day') }}
            as days_since_registration,
        customers.first_seen_at,
        customers.last_seen_at,
        {{ dbt.datediff('cast(customers.first_seen_at as date)', 'customers.as_of_date', 'day') }} as tenure_days,  -- noqa: LT05
        customers.n_channels,
        customers.channels_used,
        customers.is_sms_opt_in,
        customers.is_email_opt_in,
        case when sources_observed.has_wecom_data then customers.has_wecom end as has_wecom,
        customers.phone_sha256 is not null as has_phone,
        customers.email_sha256 is not null as has_email,

        -- orders (fct_orders): every brand delivers orders, so a person without any has zeros
        coalesce(order_features.total_orders, 0) as total_orders,
        coalesce(order_features.orders_3d, 0) as orders_3d,
        coalesce(order_features.orders_7d, 0) as orders_7d,
        order_features.last_order_at,
        coalesce(order_features.total_purchases, 0) as total_purchases,
        coalesce(order_features.purchases_30d, 0) as purchases_30d,
        coalesce(order_features.purchases_90d, 0) as purchases_90d,
        coalesce(order_features.purchases_180d, 0) as purchases_180d,
        coalesce(order_features.purchases_365d, 0) as purchases_365d,
        order_features.first_purchase_on,
        order_features.last_purchase_on,
        order_features.last_purchase_at,
        {{ dbt.datediff('order_features.first_purchase_on', 'customers.as_of_date', 'day') }}
            as days_since_first_purchase,
        {{ dbt.datediff('order_features.last_purchase_on', 'customers.as_of_date', 'day') }}
            as days_since_last_purchase,
        coalesce(order_features.net_sales_total, 0) as net_sales_total,
        coalesce(order_features.net_sales_365d, 0) as net_sales_365d,
        coalesce(order_features.net_sales_last_180d, 0) as net_sales_last_180d,
        coalesce(order_features.net_sales_prior_180d, 0) as net_sales_prior_180d,
        order_features.average_order_value,
        order_features.max_order_value,
        order_features.discount_rate,
        order_features.promo_purchase_share,
        order_features.coupon_purchase_share,
        coalesce(order_features.promo_purchases, 0) as promo_purchases,
        coalesce(order_features.paid_orders, 0) as paid_orders,
        coalesce(order_features.refunded_orders, 0) as refunded_orders,
        coalesce(order_features.refunded_orders_365d, 0) as refunded_orders_365d,
        order_features.refund_rate,
        coalesce(order_features.marketplace_purchases, 0) as marketplace_purchases,
        coalesce(order_features.own_mall_purchases, 0) as own_mall_purchases,
        coalesce(order_features.store_purchases, 0) as store_purchases,
        coalesce(order_features.tmall_purchases, 0) as tmall_purchases,
        coalesce(order_features.jd_purchases, 0) as jd_purchases,
        coalesce(order_features.douyin_purchases, 0) as douyin_purchases,
        coalesce(order_features.miniprogram_purchases, 0) as miniprogram_purchases,
        order_features.marketplace_spend_share,
        order_features.own_mall_spend_share,
        coalesce(order_features.n_purchase_channel_groups, 0) as n_purchase_channel_groups,
        coalesce(order_features.n_purchase_channels, 0) as n_purchase_channels,
        order_features.median_purchase_interval_days,
        order_features.first_purchase_channel,
        order_features.first_purchase_channel_group,
        order_features.last_purchase_channel,
        order_features.preferred_channel,
        order_features.preferred_channel_group,

        -- what they buy (fct_order_items)
        product_affinities.preferred_category_l1,
        product_affinities.preferred_category_l2,
        product_affinities.preferred_brand,
        product_affinities.top_category_share,
        product_affinities.top_brand_share,
        coalesce(product_affinities.n_categories_l1, 0) as n_categories_l1,
        coalesce(product_affinities.n_categories_l2, 0) as n_categories_l2,
        coalesce(product_affinities.n_brands, 0) as n_brands,
        coalesce(product_affinities.n_products, 0) as n_products,
        product_affinities.units_per_order,
        product_affinities.units_per_line,
        product_affinities.price_index,
        product_affinities.has_bought_new_launch,

        -- web, app and mini-program behaviour (fct_events, fct_sessions)
        event_features.last_event_at,
        {{ dbt.datediff('cast(event_features.last_event_at as date)', 'customers.as_of_date', 'day') }}
            as days_since_last_visit,
        {% for column in [
            'active_days_7d', 'active_days_30d', 'active_days_90d', 'product_views_3d', 'product_views_30d',
            'product_views_365d', 'searches_3d', 'searches_30d', 'searches_90d', 'add_to_carts_30d',
            'favorites_30d', 'favorites_90d', 'shares_365d', 'events_365d', 'app_events_365d',
            'miniprogram_events_365d', 'web_events_365d', 'morning_events_365d', 'afternoon_events_365d',
            'evening_events_365d', 'night_events_365d', 'weekend_events_365d', 'sessions_30d', 'sessions_90d',
            'browse_sessions_3d', 'browse_sessions_30d', 'cart_sessions_90d', 'abandoned_cart_sessions_90d',
            'purchase_sessions_90d', 'max_views_one_product_7d',
        ] %}
            {{ persona.observed_count('event_features.' ~ column, 'sources_observed.has_event_data') }}
                as {{ column }},
        {% endfor %}
        case
            when sources_observed.has_event_data then coalesce(event_features.has_abandoned_cart_7d, false)
        end as has_abandoned_cart_7d,
        case
            when sources_observed.has_event_data then coalesce(event_features.has_abandoned_checkout_7d, false)
        end as has_abandoned_checkout_7d,
        event_features.average_session_minutes_90d,
        event_features.main_device,
        event_features.most_viewed_category_90d,
        event_features.median_decision_hours,

        -- customer service (fct_service_tickets)
        {% for column in [
            'service_contacts_total', 'service_contacts_30d', 'service_contacts_90d', 'service_contacts_365d',
            'complaints_total', 'complaints_365d', 'after_sales_365d', 'consultations_90d',
        ] %}
            {{ persona.observed_count('service_features.' ~ column, 'sources_observed.has_service_data') }}
                as {{ column }},
        {% endfor %}
        service_features.last_service_contact_at,
        {{ dbt.datediff('cast(service_features.last_service_contact_at as date)', 'customers.as_of_date', 'day') }}  -- noqa: LT05
            as days_since_last_service_contact,
        service_features.last_consultation_30d_at,
        service_features.average_satisfaction,
        service_features.rated_tickets,
        service_features.preferred_service_channel,

        -- campaign messages (fct_campaign_touches)
        {% for column in [
            'touches_30d', 'touches_90d', 'touches_365d', 'opens_30d', 'opens_90d', 'clicks_90d',
            'opens_365d', 'clicks_365d', 'campaigns_365d',
        ] %}
            {{ persona.observed_count('campaign_features.' ~ column, 'sources_observed.has_campaign_data') }}
                as {{ column }},
        {% endfor %}
        campaign_features.last_touch_at,
        {{ dbt.datediff('cast(campaign_features.last_touch_at as date)', 'customers.as_of_date', 'day') }}
            as days_since_last_touch,
        campaign_features.last_click_14d_at,
        case
            when sources_observed.has_campaign_data
                then coalesce(campaign_features.has_converted_after_campaign_90d, false)
        end as has_converted_after_campaign_90d,
        campaign_features.responsive_channel,

        -- RFM (dim_customer_rfm: buyers only) and lifecycle (dim_customer_lifecycle)
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_cell,
        rfm.rfm_segment,
        rfm.value_tier,
        lifecycle.lifecycle_stage,
        lifecycle.stage_entered_on,
        lifecycle.days_in_stage,

        -- predictions (python_models: CLV, propensity, clusters)
        clv.clv_tier,
        clv.clv_12m,
        clv.expected_purchases_90d,
        clv.probability_alive,
        propensity.purchase_30d_probability,
        propensity.purchase_intent,
        propensity.churn_90d_probability,
        propensity.churn_risk,
        clusters.cluster_code,
        clusters.cluster_name_en,
        clusters.cluster_name_zh,

        -- recommendations (scores/recommendations)
        recommended_categories.category_l1 as recommended_category_l1,
        top_recommendation.product_name as top_recommended_product_name,

        -- who brought whom (dim_customer_referrals): null when the raw data names no referrer at all
        case when sources_observed.has_referral_data then coalesce(referrals.is_referred, false) end as is_referred,
        {% for column in ['n_people_brought', 'n_brought_buyers_30d', 'brought_net_sales_30d', 'cascade_size'] %}
            case when sources_observed.has_referral_data then coalesce(referrals.{{ column }}, 0) end
                as {{ 'referral_' if column == 'cascade_size' }}{{ column }},
        {% endfor %}
        case when sources_observed.has_referral_data then coalesce(referrals.is_koc, false) end as is_koc
    from customers
    cross join sources_observed
    left join order_features on customers.one_id = order_features.one_id
    left join product_affinities on customers.one_id = product_affinities.one_id
    left join event_features on customers.one_id = event_features.one_id
    left join service_features on customers.one_id = service_features.one_id
    left join campaign_features on customers.one_id = campaign_features.one_id
    left join rfm on customers.one_id = rfm.one_id
    left join lifecycle on customers.one_id = lifecycle.one_id
    left join clv on customers.one_id = clv.one_id
    left join propensity on customers.one_id = propensity.one_id
    left join clusters on customers.one_id = clusters.one_id
    left join recommended_categories
        on customers.one_id = recommended_categories.one_id and recommended_categories.category_rank = 1
    left join recommendations as top_recommendation
        on customers.one_id = top_recommendation.one_id and top_recommendation.recommendation_rank = 1
    left join referrals on customers.one_id = referrals.one_id
)

select * from final
