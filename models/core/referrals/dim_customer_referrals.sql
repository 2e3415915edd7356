-- one row per person in the referral graph: who brought them, whom they brought and what those bought, KOC
with referrals as (
    select * from {{ ref('fct_referrals') }}
),

ancestors as (
    select * from {{ ref('int_referral_ancestors') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

people as (
    select referred_one_id as one_id from referrals
    union
    select referrer_one_id as one_id from referrals
),

brought as (
    select
        referrer_one_id as one_id,
        count(*) as n_people_brought,
        sum(case when has_purchase_30d then 1 else 0 end) as n_brought_buyers_30d,
        sum(net_sales_30d) as brought_net_sales_30d,
        min(referred_at) as first_brought_at,
        max(referred_at) as last_brought_at
    from referrals
    group by referrer_one_id
),

cascades as (
    select
        ancestors.ancestor_one_id as one_id,
        count(*) as cascade_size,
        max(ancestors.distance) as cascade_depth,
        sum(referrals.net_sales_30d) as cascade_net_sales_30d
    from ancestors
    inner join referrals on ancestors.one_id = referrals.referred_one_id
    group by ancestors.ancestor_one_id
),

final as (
    select
        people.one_id,
        referrals.referred_one_id is not null as is_referred,
        referrals.referrer_one_id as referred_by_one_id,
        referrals.channel as referral_channel,
        referrals.referred_at,
        cast(coalesce(referrals.generation, 0) as integer) as generation,
        coalesce(referrals.root_one_id, people.one_id) as root_one_id,
        cast(coalesce(brought.n_people_brought, 0) as bigint) as n_people_brought,
        cast(coalesce(brought.n_brought_buyers_30d, 0) as bigint) as n_brought_buyers_30d,
        cast(coalesce(brought.brought_net_sales_30d, 0) as decimal(18, 2)) as brought_net_sales_30d,
        brought.first_brought_at,
        brought.last_brought_at,
        cast(coalesce(cascades.cascade_size, 0) as bigint) as cascade_size,
        cast(coalesce(cascades.cascade_depth, 0) as integer) as cascade_depth,
        cast(coalesce(cascades.cascade_net_sales_30d, 0) as decimal(18, 2)) as cascade_net_sales_30d,
        coalesce(brought.n_people_brought, 0) >= {{ var('koc_min_people_brought') }}
        and coalesce(brought.n_brought_buyers_30d, 0) >= {{ var('koc_min_buyers_brought') }} as is_koc,
        as_of.as_of_date
    from people
    cross join as_of
    left join referrals on people.one_id = referrals.referred_one_id
    left join brought on people.one_id = brought.one_id
    left join cascades on people.one_id = cascades.one_id
)

select * from final
