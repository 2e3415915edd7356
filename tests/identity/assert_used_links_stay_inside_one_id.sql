-- every used link joins two identifiers of its own OneID; every OneID of several identifiers has a used link
with links as (
    select * from {{ ref('fct_identity_links') }}
),

identifiers as (
    select * from {{ ref('dim_identifiers') }}
),

explained_one_ids as (
    select distinct one_id
    from links
    where is_used
),

link_ends as (
    select
        links.link_id,
        links.one_id,
        end_a.one_id as one_id_a,
        end_b.one_id as one_id_b
    from links
    inner join identifiers as end_a
        on links.identifier_type_a = end_a.identifier_type and links.identifier_value_a = end_a.identifier_value
    inner join identifiers as end_b
        on links.identifier_type_b = end_b.identifier_type and links.identifier_value_b = end_b.identifier_value
    where links.is_used
),

split_links as (
    select
        'used link across OneIDs' as problem,
        link_id as detail
    from link_ends
    where not (one_id = one_id_a and one_id = one_id_b)
),

unexplained as (
    select
        'OneID of several identifiers without a used link' as problem,
        identifiers.one_id as detail
    from identifiers
    left join explained_one_ids as explained
        on identifiers.one_id = explained.one_id
    where identifiers.one_id is not null and explained.one_id is null
    group by identifiers.one_id
    having count(*) > 1
),

final as (
    select * from split_links
    union all
    select * from unexplained
)

select * from final
