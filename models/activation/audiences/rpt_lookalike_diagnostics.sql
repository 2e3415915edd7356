-- how well the lookalike model finds held-out seed members: recall at K against a random ranking's base rate
with diagnostics as (
    select * from {{ ref('int_lookalike_diagnostics') }}
),

final as (
    select
        {{ persona.as_of_date() }} as as_of_date,
        cast(seed_audience_code as {{ dbt.type_string() }}) as seed_audience_code,
        cast(expansion_audience_code as {{ dbt.type_string() }}) as expansion_audience_code,
        cast(expansion_size as integer) as expansion_size,
        cast(n_population as integer) as n_population,
        cast(n_seed as integer) as n_seed,
        cast(n_train_seed as integer) as n_train_seed,
        cast(n_held_out as integer) as n_held_out,
        cast(n_candidates as integer) as n_candidates,
        cast(k_basis as {{ dbt.type_string() }}) as k_basis,
        cast(k as integer) as k,
        cast(held_out_in_top_k as integer) as held_out_in_top_k,
        cast(recall_at_k as double) as recall_at_k,
        cast(base_rate as double) as base_rate,
        cast(lift as double) as lift,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(nullif(status_detail, '') as {{ dbt.type_string() }}) as status_detail
    from diagnostics
)

select * from final
