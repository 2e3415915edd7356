{#-
    The one way persona keeps history (issue 17): an append-only change log, one incremental model
    per tracked relation. Each build appends, for every key of `relation`:
      - a row when the key is new, came back after a removal, or one of `check_cols` changed;
      - a removal row (is_removed) when the key was present at the last build and is gone now.
    Every row carries the build's as-of date and the build's start time (recorded_at, the same for
    every log of one dbt invocation). A build that changes nothing appends nothing. Plain appends
    run on every engine (DuckDB, Spark on Parquet, Databricks), unlike snapshots (MERGE: Delta only)
    or delete+insert. `history_versions` turns a log into versions with valid_from/valid_to.

    forward_only: a build as of an earlier date than the latest logged one appends nothing
    (as-of-keyed histories such as audience membership); otherwise builds are logged in build order.

    changes (optional SQL, incremental builds only): the rows to append, found by the caller in a
    cheaper way than comparing with the whole log, with the columns of the log but recorded_at
    (it may read the CTE `as_of`). The tag log passes the difference from the last build's values
    (macros/tags/tag_log.sql).

    The macro configures its model (incremental, append, full_refresh false): `--full-refresh`
    rebuilds everything downstream but never erases history; `--vars '{restart_history: true}'`
    starts every log again from the current state.
-#}
{% macro history_log(relation, unique_key, check_cols=[], carry_cols=[], forward_only=false, changes=none) -%}
    {{- config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=var('restart_history', false),
        on_schema_change='fail'
    ) -}}
    {%- set value_cols = check_cols + carry_cols -%}
    {%- set first_key = unique_key[0] -%}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

current_rows as (
    select
        {%- for column in unique_key + value_cols %}
        current_relation.{{ column }},
        {%- endfor %}
        as_of.as_of_date
    from {{ relation }} as current_relation
    cross join as_of
),

{% if is_incremental() and changes is not none %}
changes as (
    {{ changes }}
),
{% elif is_incremental() %}
-- each key's latest log row: its state at the last build that changed it
ranked as (
    select
        logged.*,
        row_number() over (
            partition by logged.{{ unique_key | join(', logged.') }}
            order by logged.recorded_at desc
        ) as recency
    from {{ this }} as logged
),

latest as (
    select * from ranked
    where recency = 1
),

changed as (
    select
        current_rows.*,
        false as is_removed
    from current_rows
    left join latest
        on
            {%- for column in unique_key %}
            {{ 'and ' if not loop.first }}current_rows.{{ column }} = latest.{{ column }}
            {%- endfor %}
    where
        latest.{{ first_key }} is null
        or latest.is_removed
        {%- for column in check_cols %}
        or not (current_rows.{{ column }} is not distinct from latest.{{ column }})
        {%- endfor %}
),

removed as (
    select
        {%- for column in unique_key + value_cols %}
        latest.{{ column }},
        {%- endfor %}
        as_of.as_of_date,
        true as is_removed
    from latest
    cross join as_of
    left join current_rows
        on
            {%- for column in unique_key %}
            {{ 'and ' if not loop.first }}latest.{{ column }} = current_rows.{{ column }}
            {%- endfor %}
    where not latest.is_removed and current_rows.{{ first_key }} is null
),

changes as (
    select * from changed
    union all
    select * from removed
),
{% else %}
changes as (
    select
        current_rows.*,
        false as is_removed
    from current_rows
),
{% endif %}

final as (
    select
        {%- for column in unique_key + value_cols %}
        changes.{{ column }},
        {%- endfor %}
        changes.as_of_date,
        changes.is_removed,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as recorded_at
    from changes
    {%- if forward_only and is_incremental() %}
    -- history only moves forward: nothing is logged as of a date before the latest logged one
    where
        changes.as_of_date
        >= coalesce((select max(logged.as_of_date) from {{ this }} as logged), changes.as_of_date)
    {%- endif %}
)

select * from final
{%- endmacro %}


{#-
    The versions of a history_log: one row per key and state, valid from the build that logged it
    (valid_from, valid_from_as_of_date) until the build that logged the key's next row (valid_to,
    valid_to_as_of_date; null while current). Removal rows end a version and are not versions.

    changed_since (a SQL expression, optional): only the keys with a log row recorded after it, each
    with all its versions (what a versions model built by `history_versions_config` recomputes on a
    daily build).
-#}
{% macro history_versions(log_relation, unique_key, changed_since=none) -%}
    (
        select * from (
            select
                logged.*,
                logged.recorded_at as valid_from,
                logged.as_of_date as valid_from_as_of_date,
                lead(logged.recorded_at) over next_row as valid_to,
                lead(logged.as_of_date) over next_row as valid_to_as_of_date
            from {{ log_relation }} as logged
            {%- if changed_since is not none %}
            inner join (
                select distinct
                    {{ unique_key | join(', ') }}
                from {{ log_relation }}
                where recorded_at > {{ changed_since }}
            ) as changed_keys
                on
                    {%- for column in unique_key %}
                    {{ 'and ' if not loop.first }}logged.{{ column }} = changed_keys.{{ column }}
                    {%- endfor %}
            {%- endif %}
            window next_row as (
                partition by logged.{{ unique_key | join(', logged.') }}
                order by logged.recorded_at
            )
        ) as versions
        where not versions.is_removed
    )
{%- endmacro %}


{#-
    The config of a versions model (history_versions of a log, keyed by `unique_key`). On DuckDB it
    is incremental, delete+insert by the key: a daily build recomputes the versions of the keys the
    log changed since the table's latest valid_from or valid_to (`history_versions_watermark`), all
    their versions, and leaves the other keys' rows as they are, which are what a rebuild from the
    log gives them (a key's versions depend on its own log rows only). On Spark (no DELETE on its
    Parquet tables) it is a table rebuilt from the log. `--full-refresh` rebuilds it from the log;
    so does `restart_history`, which starts the logs again. Erasure purges it like every
    incremental table.
-#}
{% macro history_versions_config(unique_key) %}
    {%- set settings = {'materialized': 'table'} -%}
    {%- if target.type == 'duckdb' -%}
        {%- do settings.update({
            'materialized': 'incremental',
            'incremental_strategy': 'delete+insert',
            'unique_key': unique_key,
            'on_schema_change': 'fail',
        }) -%}
        {%- if var('restart_history', false) -%}
            {%- do settings.update({'full_refresh': true}) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do config(**settings) -%}
    {{ return('') }}
{% endmacro %}


{#- The latest build a versions model has seen (its latest valid_from or valid_to) on an incremental
    build (1900-01-01 when it is empty), else none (every key). A key logged by a build that was
    killed before the versions model ran has a later recorded_at, so the next build recomputes it. -#}
{% macro history_versions_watermark() %}
    {%- if not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {{ return('(select coalesce(max(seen.recorded_at), ' ~ dbt.cast("'1900-01-01'", dbt.type_timestamp())
        ~ ') from (select valid_from as recorded_at from ' ~ this ~ ' union all select valid_to from '
        ~ this ~ ') as seen)') }}
{% endmacro %}
