-- every order and till transaction of every channel in one shape, with its OneID, up to the as-of date
{#- the two online order tables share one shape; they differ in where the channel comes from -#}
{%- set online_sources = [
    ('ecommerce', 'stg_ecommerce__orders', 'orders.platform', 'marketplace'),
    ('miniprogram', 'stg_miniprogram__orders', "'miniprogram'", 'own_mall'),
] %}

with
{%- for source_system, model_name, channel, channel_group in online_sources %}
    {{ source_system }} as (
        select
            {{ dbt.concat(["'" ~ source_system ~ ":'", 'orders.order_id']) }} as order_id,
            orders.order_id as source_order_id,
            '{{ source_system }}' as source_system,
            {{ channel }} as channel,
            '{{ channel_group }}' as channel_group,
            {{ persona.one_id_coalesce(model_name) }} as one_id,
            orders.order_at,
            orders.paid_at,
            orders.status,
            cast(null as {{ dbt.type_string() }}) as store_id,
            orders.order_amount + orders.discount_amount as gross_amount,
            orders.discount_amount,
            orders.order_amount as paid_amount,
            orders.has_coupon,
            false as is_return
        from {{ ref(model_name) }} as orders
        {{ persona.one_id_joins(model_name, 'orders') }}
    ),
{% endfor %}

pos as (
    select
        {{ dbt.concat(["'pos:'", 'txns.txn_id']) }} as order_id,
        txns.txn_id as source_order_id,
        'pos' as source_system,
        'store' as channel,
        'store' as channel_group,
        {{ persona.one_id_coalesce('stg_pos__transactions') }} as one_id,
        txns.txn_at as order_at,
        txns.txn_at as paid_at,
        case when txns.is_return then 'returned' else 'completed' end as status,
        txns.store_id,
        txns.txn_amount + txns.discount_amount as gross_amount,
        txns.discount_amount,
        txns.txn_amount as paid_amount,
        -- the till records no coupon codes
        false as has_coupon,
        txns.is_return
    from {{ ref('stg_pos__transactions') }} as txns
    {{ persona.one_id_joins('stg_pos__transactions', 'txns') }}
),

unioned as (
    select * from ecommerce
    union all
    select * from miniprogram
    union all
    select * from pos
),

final as (
    select * from unioned
    where {{ persona.on_or_before_as_of('order_at') }}
)

select * from final
