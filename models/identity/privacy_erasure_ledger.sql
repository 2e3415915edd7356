{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
    schema='privacy',
    alias='erasure_ledger',
) }}
-- one row per erasure request, once its purge is complete: its dates and the rows removed per table;
-- the only trace of an erased person (no identifier, digest or OneID)
{%- set counts = api.Relation.create(database=this.database, schema='privacy', identifier='erasure_purge_counts') %}
{%- set has_counts = execute and adapter.get_relation(counts.database, counts.schema, counts.identifier) is not none %}
with applied as (
    select
        request_id,
        min(requested_at) as requested_at,
        min(applied_at) as applied_at,
        count(*) as n_digests,
        max(case when found_by = 'person' then 1 else 0 end) = 1 as is_person_found
    from {{ ref('privacy_erased_identifiers') }}
    {%- if is_incremental() %}
    -- the requests purged by this build (or finished for a build that stopped half-way)
    where request_id not in (select logged.request_id from {{ this }} as logged)
    {%- endif %}
    group by request_id
),

counts as (
    {%- if has_counts %}
    select
        request_id,
        table_name,
        sum(rows_removed) as rows_removed
    from {{ counts }}
    where rows_removed > 0
    group by request_id, table_name
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as request_id,
            cast(null as {{ dbt.type_string() }}) as table_name,
            cast(null as bigint) as rows_removed
        where false
    {%- endif %}
),

per_request as (
    select
        request_id,
        sum(rows_removed) as rows_removed,
        {{ dbt.listagg(
            dbt.concat(['table_name', "': '", dbt.safe_cast('rows_removed', dbt.type_string())]),
            "'; '",
            'order by table_name'
        ) }} as rows_removed_by_table
    from counts
    group by request_id
),

final as (
    select
        applied.request_id,
        'erasure' as request_type,
        applied.requested_at,
        applied.applied_at,
        applied.is_person_found,
        cast(applied.n_digests as bigint) as identifiers_suppressed,
        cast(coalesce(per_request.rows_removed, 0) as bigint) as rows_removed,
        per_request.rows_removed_by_table
    from applied
    left join per_request on applied.request_id = per_request.request_id
)

select * from final
