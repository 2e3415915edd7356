-- how high- and low-value buyers differ: orders, basket, discounts, channels, categories, recency, service, app use
with rfm as (
    select * from {{ ref('dim_customer_rfm') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

purchases as (
    select * from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

purchase_items as (
    select * from {{ ref('fct_order_items') }}
    where is_purchase and one_id is not null
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
    where one_id is not null
),

sessions as (
    select * from {{ ref('fct_sessions') }}
    where one_id is not null
),

-- each buyer belongs to their value tier, to the high-value (vip, high) or low-value (medium, low)
-- band, and to all buyers
group_members as (
    select
        one_id,
        value_tier as customer_group
    from rfm
    union all
    select
        one_id,
        case when value_tier in ('vip', 'high') then 'high_value' else 'low_value' end as customer_group
    from rfm
    union all
    select
        one_id,
        'all' as customer_group
    from rfm
),

groups as (
    select
        'vip' as customer_group,
        'value_tier' as group_level,
        'VIP客户' as customer_group_zh,
        1 as group_order
    union all
    select
        'high' as customer_group,
        'value_tier' as group_level,
        '高价值客户' as customer_group_zh,
        2 as group_order
    union all
    select
        'medium' as customer_group,
        'value_tier' as group_level,
        '中价值客户' as customer_group_zh,
        3 as group_order
    union all
    select
        'low' as customer_group,
        'value_tier' as group_level,
        '低价值客户' as customer_group_zh,
        4 as group_order
    union all
    select
        'high_value' as customer_group,
        'value_band' as group_level,
        '高价值（VIP+高）' as customer_group_zh,
        5 as group_order
    union all
    select
        'low_value' as customer_group,
        'value_band' as group_level,
        '低价值（中+低）' as customer_group_zh,
        6 as group_order
    union all
    select
        'all' as customer_group,
        'all' as group_level,
        '全部购买客户' as customer_group_zh,
        7 as group_order
),

customer_orders as (
    select
        one_id,
        count(*) as n_purchases,
        sum(net_amount) as net_sales,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount
    from purchases
    group by one_id
),

complainers as (
    select distinct one_id from tickets
    where is_complaint
),

app_users as (
    select distinct one_id from sessions
    where channel = 'app'
),

miniprogram_users as (
    select distinct one_id from sessions
    where channel = 'miniprogram'
),

customer_facts as (
    select
        rfm.one_id,
        rfm.recency_days,
        coalesce(customer_orders.n_purchases, 0) as n_purchases,
        coalesce(customer_orders.net_sales, 0) as net_sales,
        coalesce(customer_orders.gross_amount, 0) as gross_amount,
        coalesce(customer_orders.discount_amount, 0) as discount_amount,
        case when complainers.one_id is not null then 1 else 0 end as has_complaint,
        case when app_users.one_id is not null then 1 else 0 end as is_app_user,
        case when miniprogram_users.one_id is not null then 1 else 0 end as is_miniprogram_user,
        case when customers.is_member then 1 else 0 end as is_member,
        case when customers.has_wecom then 1 else 0 end as has_wecom
    from rfm
    left join customer_orders on rfm.one_id = customer_orders.one_id
    left join complainers on rfm.one_id = complainers.one_id
    left join app_users on rfm.one_id = app_users.one_id
    left join miniprogram_users on rfm.one_id = miniprogram_users.one_id
    left join customers on rfm.one_id = customers.one_id
),

group_facts as (
    select
        group_members.customer_group,
        count(*) as n_customers,
        sum(customer_facts.n_purchases) as n_purchases,
        sum(customer_facts.net_sales) as net_sales,
        sum(customer_facts.gross_amount) as gross_amount,
        sum(customer_facts.discount_amount) as discount_amount,
        avg(customer_facts.recency_days) as avg_recency_days,
        avg(customer_facts.has_complaint) as share_with_complaint,
        avg(customer_facts.is_app_user) as share_app_users,
        avg(customer_facts.is_miniprogram_user) as share_miniprogram_users,
        avg(customer_facts.is_member) as share_members,
        avg(customer_facts.has_wecom) as share_wecom
    from group_members
    inner join customer_facts on group_members.one_id = customer_facts.one_id
    group by group_members.customer_group
),

channel_groups as (
    select
        group_members.customer_group,
        count(case when purchases.channel_group = 'marketplace' then 1 end) as n_marketplace,
        count(case when purchases.channel_group = 'own_mall' then 1 end) as n_own_mall,
        count(case when purchases.channel_group = 'store' then 1 end) as n_store
    from group_members
    inner join purchases on group_members.one_id = purchases.one_id
    group by group_members.customer_group
),

channels as (
    select
        group_members.customer_group,
        purchases.channel,
        count(*) as n_purchases
    from group_members
    inner join purchases on group_members.one_id = purchases.one_id
    group by group_members.customer_group, purchases.channel
),

top_channels as (
    select
        customer_group,
        channel as top_channel,
        1e0 * n_purchases / sum(n_purchases) over (partition by customer_group) as top_channel_share,
        row_number() over (partition by customer_group order by n_purchases desc, channel asc) as channel_rank
    from channels
),

categories as (
    select
        group_members.customer_group,
        coalesce(purchase_items.category_l1, 'unknown') as category,
        sum(purchase_items.net_line_amount) as net_sales
    from group_members
    inner join purchase_items on group_members.one_id = purchase_items.one_id
    group by group_members.customer_group, coalesce(purchase_items.category_l1, 'unknown')
),

category_shares as (
    select
        customer_group,
        category,
        case
            when sum(net_sales) over (partition by customer_group) > 0
                then 1e0 * net_sales / sum(net_sales) over (partition by customer_group)
        end as category_share,
        row_number() over (partition by customer_group order by net_sales desc, category asc) as category_rank
    from categories
),

-- e.g. '护肤 52% / 彩妆 21% / 香水 9%'
category_labels as (
    select
        customer_group,
        category_rank,
        {{ dbt.concat([
            'category',
            "' '",
            'cast(cast(round(100 * coalesce(category_share, 0)) as integer) as ' ~ dbt.type_string() ~ ')',
            "'%'",
        ]) }} as category_label
    from category_shares
    where category_rank <= 3
),

category_mixes as (
    select
        customer_group,
        {{ dbt.listagg('category_label', "' / '", 'order by category_rank') }} as category_mix
    from category_labels
    group by customer_group
),

all_buyers as (
    select
        n_customers,
        net_sales
    from group_facts
    where customer_group = 'all'
),

final as (
    select
        groups.customer_group,
        groups.customer_group_zh,
        groups.group_level,
        cast(groups.group_order as integer) as group_order,
        cast(group_facts.n_customers as bigint) as n_customers,
        1e0 * group_facts.n_customers / all_buyers.n_customers as share_of_customers,
        case
            when all_buyers.net_sales <> 0 then 1e0 * group_facts.net_sales / all_buyers.net_sales
        end as share_of_net_sales,
        1e0 * group_facts.n_purchases / group_facts.n_customers as avg_purchases,
        cast(group_facts.net_sales / group_facts.n_customers as decimal(18, 2)) as avg_net_sales,
        case
            when group_facts.n_purchases > 0
                then cast(group_facts.net_sales / group_facts.n_purchases as decimal(18, 2))
        end as average_order_value,
        case
            when group_facts.gross_amount > 0 then 1e0 * group_facts.discount_amount / group_facts.gross_amount
        end as discount_share,
        case
            when group_facts.n_purchases > 0 then 1e0 * channel_groups.n_marketplace / group_facts.n_purchases
        end as share_orders_marketplace,
        case
            when group_facts.n_purchases > 0 then 1e0 * channel_groups.n_own_mall / group_facts.n_purchases
        end as share_orders_own_mall,
        case
            when group_facts.n_purchases > 0 then 1e0 * channel_groups.n_store / group_facts.n_purchases
        end as share_orders_store,
        top_channels.top_channel,
        top_channels.top_channel_share,
        top_categories.category as top_category,
        top_categories.category_share as top_category_share,
        category_mixes.category_mix,
        group_facts.avg_recency_days,
        group_facts.share_with_complaint,
        group_facts.share_app_users,
        group_facts.share_miniprogram_users,
        group_facts.share_members,
        group_facts.share_wecom,
        {{ persona.as_of_date() }} as as_of_date
    from groups
    inner join group_facts on groups.customer_group = group_facts.customer_group
    cross join all_buyers
    left join channel_groups on groups.customer_group = channel_groups.customer_group
    left join top_channels on groups.customer_group = top_channels.customer_group and top_channels.channel_rank = 1
    left join category_shares as top_categories
        on groups.customer_group = top_categories.customer_group and top_categories.category_rank = 1
    left join category_mixes on groups.customer_group = category_mixes.customer_group
)

select * from final
