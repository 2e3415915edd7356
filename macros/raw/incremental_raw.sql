{#-
    Daily builds read only the raw files that changed (issue 17; README, "Running persona every day").

    `persona run` compares the raw files with the load manifest of the last complete build and,
    before dbt starts, writes the plan `loads.raw_file_plan` (path relative to the raw folder, action
    new / changed / removed). On DuckDB every base model is then incremental (`base_config`):
    1. its pre-hook (`forget_raw_files`) deletes the rows that came from a planned file (a changed
       or removed file's rows go; a new file's rows go too, in case a killed build had loaded them)
       and keeps the key hashes of what it deleted;
    2. it reads only the new and changed files (`raw_rows`: the view `raw.<table>__incoming` that
       register_raw_sources makes from the plan);
    3. `with_duplicate_flags` recomputes the duplicate flags of every key those rows touch, with the
       rows of the same keys already in the table (a re-delivered event in a new file becomes the
       duplicate, or the survivor, exactly as in a full build);
    4. delete+insert by key hash replaces those keys' rows.
    Without a plan (a plain `dbt build`) a base model reads every file again, as before; with
    `--full-refresh`, or on Spark (no DELETE on its Parquet tables), it is a table rebuilt from all
    files. Everything after the base models is computed from them, so a daily build equals a full
    build over the same files.
-#}

{#- The plan relation when `persona run` wrote one for this build (DuckDB), else none. -#}
{#- (A query, not adapter.get_relation: in the on-run-start hook that would open a transaction that
    dbt rolls back after the hooks, taking the raw views with it.) -#}
{% macro raw_file_plan_relation() %}
    {%- if not execute or target.type != 'duckdb' -%}{{ return(none) }}{%- endif -%}
    {%- set plan = api.Relation.create(database=persona.target_database(), schema='loads', identifier='raw_file_plan') -%}
    {%- if not persona.table_exists_now(plan) -%}{{ return(none) }}{%- endif -%}
    {{ return(plan) }}
{% endmacro %}


{#- True when this base model adds only the planned files' rows to its earlier rows (never in a unit
    test, which has no table of its own). -#}
{% macro reads_incoming() %}
    {%- if not execute or this is none or model.resource_type == 'unit_test' -%}{{ return(false) }}{%- endif -%}
    {{ return(is_incremental() and persona.raw_file_plan_relation() is not none) }}
{% endmacro %}


{#- The raw rows a base model reads: the planned new and changed files on a daily build, else every
    file (`source(source_name, table_name)`, which also records the lineage). -#}
{% macro raw_rows(source_name, table_name) %}
    {%- set every_file = source(source_name, table_name) -%}
    {%- if persona.reads_incoming() -%}
        {{ return(every_file.incorporate(path={'identifier': table_name ~ '__incoming'})) }}
    {%- endif -%}
    {{ return(every_file) }}
{% endmacro %}


{#- The config of a base model keyed by `key_columns` (the key of with_duplicate_flags). -#}
{% macro base_config(key_columns, schema=none) %}
    {%- set settings = {'materialized': 'table'} -%}
    {%- if target.type == 'duckdb' -%}
        {%- do settings.update({
            'materialized': 'incremental',
            'incremental_strategy': 'delete+insert',
            'unique_key': persona.key_hash(key_columns),
            'on_schema_change': 'sync_all_columns',
            'pre_hook': ["{{ persona.forget_raw_files(" ~ key_columns ~ ") }}"],
            'post_hook': ["{{ persona.drop_forgotten_keys() }}"],
        }) -%}
    {%- endif -%}
    {%- if schema -%}{%- do settings.update({'schema': schema}) -%}{%- endif -%}
    {%- do config(**settings) -%}
    {{ return('') }}
{% endmacro %}


{#- The table of the key hashes the pre-hook removed (one per base model, dropped after it). -#}
{% macro forgotten_keys_relation() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__forgotten_keys'})) }}
{% endmacro %}


{#- Pre-hook of a base model on a daily build: forget the rows of the planned files (see the top). -#}
{% macro forget_raw_files(key_columns) %}
    {%- if not (execute and is_incremental()) -%}{{ return('') }}{%- endif -%}
    {%- set plan = persona.raw_file_plan_relation() -%}
    {%- set forgotten = persona.forgotten_keys_relation() -%}
    {%- if plan is none -%}
        {#- a plain dbt build: every file is read again -#}
        {%- set statements = [
            'create or replace table ' ~ forgotten ~ ' as select ' ~ persona.key_hash(key_columns) ~ ' as key_hash from ' ~ this ~ ' where false',
            'delete from ' ~ this,
        ] -%}
    {%- else -%}
        {%- set files = "(select '" ~ persona.raw_dir() ~ "/' || path from " ~ plan ~ ')' -%}
        {%- set statements = [
            'create or replace table ' ~ forgotten ~ ' as select distinct ' ~ persona.key_hash(key_columns)
                ~ ' as key_hash from ' ~ this ~ ' where _raw_file in ' ~ files,
            'delete from ' ~ this ~ ' where _raw_file in ' ~ files,
        ] -%}
    {%- endif -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{% macro drop_forgotten_keys() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {{ return('drop table if exists ' ~ persona.forgotten_keys_relation()) }}
{% endmacro %}


{#- The rows whose duplicate flags a daily build computes again: the incoming rows (`cte`) and the
    rows already staged under a key they share or that lost a row with a planned file. -#}
{% macro incoming_and_earlier_rows(cte, key_hash) %}
    {{- return(adapter.dispatch('incoming_and_earlier_rows', 'persona')(cte, key_hash)) -}}
{% endmacro %}

{% macro default__incoming_and_earlier_rows(cte, key_hash) -%}
    select * from {{ cte }}
    union all by name
    select * exclude (is_duplicate, has_conflicting_copies)
    from {{ this }}
    where
        {{ key_hash }} in (select {{ key_hash }} from {{ cte }})
        or {{ key_hash }} in (select forgotten.key_hash from {{ persona.forgotten_keys_relation() }} as forgotten)
{%- endmacro %}

{% macro spark__incoming_and_earlier_rows(cte, key_hash) -%}
    {{ exceptions.raise_compiler_error(
        "persona: base models are not incremental on Spark (macros/raw/incremental_raw.sql)"
    ) }}
{%- endmacro %}
