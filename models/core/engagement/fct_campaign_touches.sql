-- one row per campaign message sent, with its OneID, opens and clicks, up to the as-of date
with touches as (
    select * from {{ ref('stg_marketing__campaign_touches') }}
),

resolved as (
    select
        touches.touch_id,
        touches.campaign_id,
        touches.channel,
        touches.variant,
        {{ persona.one_id_coalesce('stg_marketing__campaign_touches') }} as one_id,
        touches.sent_at,
        -- an open or click after the as-of date has not happened yet as of that date
        case when {{ persona.on_or_before_as_of('touches.opened_at') }} then touches.opened_at end as opened_at,
        case when {{ persona.on_or_before_as_of('touches.clicked_at') }} then touches.clicked_at end as clicked_at
    from touches
    {{ persona.one_id_joins('stg_marketing__campaign_touches', 'touches') }}
    where {{ persona.on_or_before_as_of('touches.sent_at') }}
),

final as (
    select
        touch_id,
        campaign_id,
        channel,
        variant,
        one_id,
        sent_at,
        opened_at,
        clicked_at,
        opened_at is not null as is_opened,
        clicked_at is not null as is_clicked,
        {{ persona.as_of_date() }} as as_of_date
    from resolved
)

select * from final
