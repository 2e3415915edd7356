-- one row per customer segment of the latest clustering run: size, share, readable means and names
with profiles as (
    select * from {{ ref('int_cluster_profiles') }}
),

final as (
    select
        cast(cluster_id as integer) as cluster_id,
        cast(cluster_code as string) as cluster_code,
        cast(cluster_name_en as string) as cluster_name_en,
        cast(cluster_name_zh as string) as cluster_name_zh,
        cast(n_customers as integer) as n_customers,
        cast(customer_share as double) as customer_share,
        cast(mean_recency_days as double) as mean_recency_days,
        cast(mean_purchase_days_365d as double) as mean_purchase_days_365d,
        cast(mean_net_spend_365d as decimal(18, 2)) as mean_net_spend_365d,
        cast(mean_average_order_value as decimal(18, 2)) as mean_average_order_value,
        cast(mean_discount_share as double) as mean_discount_share,
        cast(mean_coupon_share as double) as mean_coupon_share,
        cast(mean_active_days_90d as double) as mean_active_days_90d,
        cast(top_category as string) as top_category,
        cast(top_category_share as double) as top_category_share,
        cast(top_channel as string) as top_channel,
        cast(top_channel_share as double) as top_channel_share,
        cast(distinguishing_features as string) as distinguishing_features,
        cast(mean_distance_to_centroid as double) as mean_distance_to_centroid,
        {{ persona.as_of_date() }} as as_of_date
    from profiles
)

select * from final
