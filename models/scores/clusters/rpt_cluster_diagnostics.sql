-- the latest clustering run's model selection: silhouette and inertia per candidate k, the chosen k
-- and the run's status (one row with k null when there were too few buyers to cluster)
with diagnostics as (
    select * from {{ ref('int_cluster_diagnostics') }}
),

final as (
    select
        cast(run_number as integer) as run_number,
        cast(k as integer) as k,
        cast(silhouette as double) as silhouette,
        cast(inertia as double) as inertia,
        coalesce(cast(is_chosen as boolean), false) as is_chosen,
        coalesce(cast(is_seeded as boolean), false) as is_seeded,
        cast(chosen_k as integer) as chosen_k,
        cast(n_customers as integer) as n_customers,
        cast(status as string) as status,
        cast(status_detail as string) as status_detail,
        cast(n_clusters_matched as integer) as n_clusters_matched,
        cast(previous_run_number as integer) as previous_run_number,
        nullif(cast(cluster_sizes as string), '') as cluster_sizes,
        {{ persona.as_of_date() }} as as_of_date
    from diagnostics
)

select * from final
