-- pairwise overlap of the audiences: shared members, share of each and Jaccard index
with members as (
    select * from {{ ref('fct_audience_members') }}
),

sizes as (
    select
        audience_code,
        count(*) as n_members
    from members
    group by audience_code
),

shared as (
    select
        left_members.audience_code as audience_code_a,
        right_members.audience_code as audience_code_b,
        count(*) as n_shared
    from members as left_members
    inner join members as right_members
        on
            left_members.one_id = right_members.one_id
            and left_members.audience_code < right_members.audience_code
    group by left_members.audience_code, right_members.audience_code
),

pairs as (
    select
        sizes_a.audience_code as audience_code_a,
        sizes_b.audience_code as audience_code_b,
        sizes_a.n_members as n_members_a,
        sizes_b.n_members as n_members_b
    from sizes as sizes_a
    inner join sizes as sizes_b on sizes_a.audience_code < sizes_b.audience_code
),

final as (
    select
        pairs.audience_code_a,
        pairs.audience_code_b,
        cast(pairs.n_members_a as bigint) as n_members_a,
        cast(pairs.n_members_b as bigint) as n_members_b,
        cast(coalesce(shared.n_shared, 0) as bigint) as n_shared,
        cast(coalesce(shared.n_shared, 0) * 1e0 / pairs.n_members_a as double) as share_of_a,
        cast(coalesce(shared.n_shared, 0) * 1e0 / pairs.n_members_b as double) as share_of_b,
        cast(
            coalesce(shared.n_shared, 0) * 1e0
            / (pairs.n_members_a + pairs.n_members_b - coalesce(shared.n_shared, 0)) as double
        ) as jaccard,
        {{ persona.as_of_date() }} as as_of_date
    from pairs
    left join shared
        on
            pairs.audience_code_a = shared.audience_code_a
            and pairs.audience_code_b = shared.audience_code_b
)

select * from final
