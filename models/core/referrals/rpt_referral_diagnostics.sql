-- who brought whom, measured: precision and recall of the edges against the generator's truth (none without)
{#-
    The truth names both ends by the identifiers the raw rows carried (the arrival visit's openid
    or cookie, the referrer's openid or member id); they are mapped to OneIDs through the identity
    graph, exactly as the raw rows are. A truth edge is found when fct_referrals holds the same
    (referred, referrer) pair of OneIDs; a graph edge is right when the truth holds its pair.
#}
with truth as (
    select * from {{ ref('stg_truth__referrals') }}
),

clusters as (
    select
        identifier_type,
        identifier_value,
        one_id
    from {{ ref('int_identity_clusters') }}
),

model_edges as (
    select
        channel,
        referred_one_id,
        referrer_one_id
    from {{ ref('fct_referrals') }}
),

true_edges as (
    select
        truth.referred_person_id,
        truth.channel,
        referred.one_id as referred_one_id,
        referrer.one_id as referrer_one_id
    from truth
    left join clusters as referred
        on truth.referred_identifier_type = referred.identifier_type
            and truth.referred_identifier_value = referred.identifier_value
    left join clusters as referrer
        on truth.referrer_identifier_type = referrer.identifier_type
            and truth.referrer_identifier_value = referrer.identifier_value
),

true_pairs as (
    select distinct
        referred_one_id,
        referrer_one_id
    from true_edges
    where referred_one_id is not null and referrer_one_id is not null
),

true_flags as (
    select
        true_edges.channel,
        case
            when true_edges.referred_one_id is not null and true_edges.referrer_one_id is not null
                and true_edges.referred_one_id <> true_edges.referrer_one_id
                then 1
            else 0
        end as is_resolved,
        case when model_edges.referred_one_id is not null then 1 else 0 end as is_found
    from true_edges
    left join model_edges
        on true_edges.referred_one_id = model_edges.referred_one_id
            and true_edges.referrer_one_id = model_edges.referrer_one_id
),

model_flags as (
    select
        model_edges.channel,
        case when true_pairs.referred_one_id is not null then 1 else 0 end as is_true
    from model_edges
    left join true_pairs
        on model_edges.referred_one_id = true_pairs.referred_one_id
            and model_edges.referrer_one_id = true_pairs.referrer_one_id
),

channels as (
    select 'miniprogram' as channel
    union all
    select 'web' as channel
    union all
    select 'all' as channel
),

true_counts as (
    select
        channels.channel,
        count(true_flags.channel) as n_true_edges,
        coalesce(sum(true_flags.is_resolved), 0) as n_true_edges_resolved,
        coalesce(sum(true_flags.is_found), 0) as n_true_edges_found
    from channels
    left join true_flags on channels.channel in (true_flags.channel, 'all')
    group by channels.channel
),

model_counts as (
    select
        channels.channel,
        count(model_flags.channel) as n_edges,
        coalesce(sum(model_flags.is_true), 0) as n_edges_true
    from channels
    left join model_flags on channels.channel in (model_flags.channel, 'all')
    group by channels.channel
),

final as (
    select
        true_counts.channel,
        cast(true_counts.n_true_edges as bigint) as n_true_edges,
        cast(true_counts.n_true_edges_resolved as bigint) as n_true_edges_resolved,
        cast(model_counts.n_edges as bigint) as n_edges,
        cast(model_counts.n_edges_true as bigint) as n_edges_true,
        cast(true_counts.n_true_edges_found as bigint) as n_true_edges_found,
        case
            when model_counts.n_edges > 0 then 1e0 * model_counts.n_edges_true / model_counts.n_edges
        end as edge_precision,
        1e0 * true_counts.n_true_edges_found / true_counts.n_true_edges as edge_recall,
        case
            when true_counts.n_true_edges_resolved > 0
                then 1e0 * true_counts.n_true_edges_found / true_counts.n_true_edges_resolved
        end as edge_recall_resolved
    from true_counts
    inner join model_counts on true_counts.channel = model_counts.channel
    where true_counts.n_true_edges > 0
)

select * from final
