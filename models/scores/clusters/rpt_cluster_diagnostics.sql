-- the model selection of this build's clustering fit (fitted as of int_as_of_date.refit_on):
-- silhouette and inertia per candidate k, the chosen k and the fit's status (one row with k null
-- when there were too few buyers to cluster); nothing here depends on earlier builds
with diagnostics as (
    select * from {{ ref('int_cluster_diagnostics') }}
),

final as (
    select
        cast(fitted_on as date) as fitted_on,
        cast(fit_digest as string) as fit_digest,
        cast(k as integer) as k,
        cast(silhouette as double) as silhouette,
        cast(inertia as double) as inertia,
        coalesce(cast(is_chosen as boolean), false) as is_chosen,
        cast(chosen_k as integer) as chosen_k,
        cast(n_customers as integer) as n_customers,
        cast(status as string) as status,
        cast(status_detail as string) as status_detail,
        nullif(cast(cluster_sizes as string), '') as cluster_sizes,
        {{ persona.as_of_date() }} as as_of_date
    from diagnostics
)

select * from final
