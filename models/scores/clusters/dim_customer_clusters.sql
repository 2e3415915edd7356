-- each buyer's customer segment (KMeans cluster of the latest clustering run, python_models/scores/clusters)
with assignments as (
    select * from {{ ref('int_cluster_assignments') }}
),

final as (
    select
        cast(one_id as string) as one_id,
        cast(cluster_id as integer) as cluster_id,
        cast(cluster_code as string) as cluster_code,
        cast(cluster_name_en as string) as cluster_name_en,
        cast(cluster_name_zh as string) as cluster_name_zh,
        cast(distance_to_centroid as double) as distance_to_centroid,
        {{ persona.as_of_date() }} as as_of_date
    from assignments
)

select * from final
