-- the expansion audience against its seed: per category and boolean tag value, its share among the seed
-- members, the selected lookalikes and all customers, and TGI (100 = as common as in the seed). Seed and
-- expansion are audiences like any other, so their shares come from rpt_audience_tgi.
with expansions as (
    select distinct
        seed_audience_code,
        expansion_audience_code
    from {{ ref('int_lookalike_seeds') }}
),

audience_tgi as (
    select * from {{ ref('rpt_audience_tgi') }}
),

audience_sizes as (
    select
        audience_code,
        count(*) as n_members
    from {{ ref('fct_audience_members') }}
    group by audience_code
),

seed_values as (
    select
        expansions.seed_audience_code,
        expansions.expansion_audience_code,
        audience_tgi.tag_code,
        audience_tgi.tag_value,
        audience_tgi.n_members_with_value,
        audience_tgi.population_share
    from expansions
    inner join audience_tgi on expansions.seed_audience_code = audience_tgi.audience_code
),

expansion_values as (
    select
        expansions.seed_audience_code,
        expansions.expansion_audience_code,
        audience_tgi.tag_code,
        audience_tgi.tag_value,
        audience_tgi.n_members_with_value,
        audience_tgi.population_share
    from expansions
    inner join audience_tgi on expansions.expansion_audience_code = audience_tgi.audience_code
),

paired as (
    select
        coalesce(seed_values.seed_audience_code, expansion_values.seed_audience_code) as seed_audience_code,
        coalesce(
            seed_values.expansion_audience_code, expansion_values.expansion_audience_code
        ) as expansion_audience_code,
        coalesce(seed_values.tag_code, expansion_values.tag_code) as tag_code,
        coalesce(seed_values.tag_value, expansion_values.tag_value) as tag_value,
        coalesce(seed_values.n_members_with_value, 0) as n_seed_with_value,
        coalesce(expansion_values.n_members_with_value, 0) as n_expansion_with_value,
        coalesce(seed_values.population_share, expansion_values.population_share) as population_share
    from seed_values
    full outer join expansion_values
        on
            seed_values.seed_audience_code = expansion_values.seed_audience_code
            and seed_values.tag_code = expansion_values.tag_code
            and seed_values.tag_value = expansion_values.tag_value
),

shares as (
    select
        paired.*,
        seed_sizes.n_members as n_seed,
        paired.n_seed_with_value * 1e0 / seed_sizes.n_members as seed_share,
        coalesce(expansion_sizes.n_members, 0) as n_expansion,
        paired.n_expansion_with_value * 1e0 / nullif(expansion_sizes.n_members, 0) as expansion_share
    from paired
    inner join audience_sizes as seed_sizes on paired.seed_audience_code = seed_sizes.audience_code
    left join audience_sizes as expansion_sizes on paired.expansion_audience_code = expansion_sizes.audience_code
),

final as (
    select
        seed_audience_code,
        expansion_audience_code,
        tag_code,
        tag_value,
        cast(n_seed_with_value as bigint) as n_seed_with_value,
        cast(n_seed as bigint) as n_seed,
        cast(seed_share as double) as seed_share,
        cast(n_expansion_with_value as bigint) as n_expansion_with_value,
        cast(n_expansion as bigint) as n_expansion,
        cast(expansion_share as double) as expansion_share,
        cast(population_share as double) as population_share,
        cast(1e2 * expansion_share / nullif(seed_share, 0) as double) as tgi_expansion_vs_seed,
        cast(1e2 * expansion_share / population_share as double) as tgi_expansion_vs_population,
        cast(1e2 * seed_share / population_share as double) as tgi_seed_vs_population,
        {{ persona.as_of_date() }} as as_of_date
    from shares
)

select * from final
