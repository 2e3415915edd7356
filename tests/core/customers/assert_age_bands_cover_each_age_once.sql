-- every age from 0 to 120 falls in exactly one band of the seed age_bands (no gap, no overlap)
with bands as (
    select * from {{ ref('age_bands') }}
),

ages as (
    {{ dbt.generate_series(121) }}
),

matched as (
    select
        ages.generated_number - 1 as age,
        count(bands.age_band) as n_bands
    from ages
    left join bands
        on
            ages.generated_number - 1 >= bands.min_age
            and (bands.max_age is null or ages.generated_number - 1 <= bands.max_age)
    group by ages.generated_number
),

final as (
    select
        age,
        n_bands
    from matched
    where n_bands <> 1
)

select * from final
