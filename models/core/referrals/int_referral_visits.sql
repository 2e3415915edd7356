{{ config(materialized="view") }}
-- visits that name a referrer (a share or an invite link), with the referrer's OneID when the graph knows them
with miniprogram as (
    select
        {{ dbt.concat(["'miniprogram:'", 'event_id']) }} as event_id,
        'miniprogram' as channel,
        'openid' as referrer_identifier_type,
        share_from_openid as referrer_identifier_value,
        event_at
    from {{ ref('stg_miniprogram__events') }}
    where share_from_openid is not null
),

web as (
    select
        {{ dbt.concat(["'web:'", 'event_id']) }} as event_id,
        'web' as channel,
        'member_id' as referrer_identifier_type,
        referrer_member_id as referrer_identifier_value,
        event_at
    from {{ ref('stg_web__events') }}
    where referrer_member_id is not null
),

visits as (
    select * from miniprogram
    union all
    select * from web
),

clusters as (
    select
        identifier_type,
        identifier_value,
        one_id
    from {{ ref('int_identity_clusters') }}
),

final as (
    select
        visits.event_id,
        visits.channel,
        visits.referrer_identifier_type,
        clusters.one_id as referrer_one_id,
        visits.event_at
    from visits
    left join clusters
        on visits.referrer_identifier_type = clusters.identifier_type
            and visits.referrer_identifier_value = clusters.identifier_value
)

select * from final
