-- How usable each channel's phone and device identifiers are: the share of rows per status
-- (valid, missing, masked, malformed). Compile with `dbt compile --select
-- identifier_quality_by_channel` and run the SQL in target/compiled/ against the warehouse.
with phones as (
    select
        'crm_members.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_crm__members') }}
    union all
    select
        'app_events.login_phone' as identifier_column,
        login_phone_status as identifier_status
    from {{ ref('stg_app__events') }}
    union all
    select
        'miniprogram_events.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_miniprogram__events') }}
    union all
    select
        'miniprogram_orders.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_miniprogram__orders') }}
    union all
    select
        'ecommerce_orders.receiver_phone' as identifier_column,
        receiver_phone_status as identifier_status
    from {{ ref('stg_ecommerce__orders') }}
    union all
    select
        'pos_transactions.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_pos__transactions') }}
    union all
    select
        'wecom_contacts.remark_phone' as identifier_column,
        remark_phone_status as identifier_status
    from {{ ref('stg_wecom__contacts') }}
    union all
    select
        'cs_tickets.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_service__tickets') }}
    union all
    select
        'campaign_touches.phone' as identifier_column,
        phone_status as identifier_status
    from {{ ref('stg_marketing__campaign_touches') }}
    union all
    select
        'app_events.device_id' as identifier_column,
        device_id_status as identifier_status
    from {{ ref('stg_app__events') }}
),

counted as (
    select
        identifier_column,
        identifier_status,
        count(*) as row_count
    from phones
    group by identifier_column, identifier_status
),

final as (
    select
        identifier_column,
        identifier_status,
        row_count,
        round(100.0 * row_count / sum(row_count) over (partition by identifier_column), 2) as pct_of_rows
    from counted
)

select * from final
order by identifier_column asc, row_count desc
