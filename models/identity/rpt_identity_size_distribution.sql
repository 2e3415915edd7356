-- how many identifiers each OneID holds: the distribution a reviewer checks for runaway merges
with identifiers as (
    select * from {{ ref('dim_identifiers') }}
    where one_id is not null
),

per_one_id as (
    select
        one_id,
        count(*) as n_identifiers
    from identifiers
    group by one_id
),

final as (
    select
        n_identifiers as identifiers_per_one_id,
        count(*) as n_one_ids,
        cast(sum(n_identifiers) as bigint) as n_identifiers
    from per_one_id
    group by n_identifiers
)

select * from final
