{#-
    Exposes each raw contract table as a view `raw.<table>` over the Parquet files in
    `<PERSONA_RAW_DIR>/<table>/*.parquet` (default `data/raw`), before any model runs.

    - The list of tables and their columns is the source YAML under models/staging/: every source
      whose `meta.raw_table` is true; a column is required unless its `meta.optional` is true.
    - A missing or empty folder: the view is empty (typed, zero rows) and the log says so once.
    - A folder whose files lack a required column: the build stops, naming the folder and the
      missing columns.
    - Every file in a table folder is checked on its own first (raw contract version 2): only
      `*.parquet` files are data; a file whose name starts with `.` or `_` is ignored; any other
      file stops the build, naming it. Each Parquet file is read through once
      (persona_raw_file_problem, src/persona/models/raw_files.py): a damaged or truncated file, or
      one with a column of raw bytes instead of text (a GBK export), stops the build with one
      message naming the file and what to do.
    - Every column is exposed as text (`varchar`); staging types, normalizes and quarantines. This
      keeps files written by any tool (strings, timestamps, decimals, integers) readable alike.
    - Extra columns in the files are ignored; optional columns that are absent are null.
    - Optional columns that a feature needs carry `meta.feature` (e.g. `referral`): when none of a
      feature's columns is in any file, the log says so once and the feature's marts are empty.
    - Two locator columns are added: `_raw_file` (the Parquet file) and `_raw_row_number` (the row's
      0-based position in it). Staging keeps them, so a quarantined row can be traced back to the
      exact file and row, and repeated deliveries are resolved in file order.
    - A source table may name its files with `meta.raw_path` (relative to the raw folder) instead of
      the `<table>/*.parquet` folder; `meta.evaluation_only` marks the generator's ground truth
      (`_truth/`), which is optional and never reported as a missing channel; `meta.optional_table`
      marks a table a brand may not have at all (consent_events, erasure_requests), likewise never
      reported.
-#}
{% macro register_raw_sources() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = persona.raw_dir() -%}
    {%- set listed = persona.raw_listing(raw_dir) -%}
    {%- set listing = listed.files -%}
    {%- set statements = ['create schema if not exists ' ~ persona.raw_schema()] -%}
    {%- set empty_tables = [] -%}
    {#- per feature (meta.feature of optional columns): its columns, and those some file holds -#}
    {%- set feature_columns = {} -%}
    {%- set feature_present = {} -%}
    {#- a daily build (persona run wrote a plan): the new and changed files of each folder, which the
        base models read through `raw.<table>__incoming` (macros/raw/incremental_raw.sql) -#}
    {%- set plan = persona.raw_file_plan_relation() -%}
    {%- set incoming = {} -%}
    {%- if plan is not none -%}
        {%- for path in run_query("select path from " ~ plan ~ " where action in ('new', 'changed') order by path").columns[0].values() -%}
            {%- do incoming.update({raw_dir ~ '/' ~ path: true}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for node in graph.sources.values() | sort(attribute='identifier') if node.meta.get('raw_table') -%}
        {%- set folder = raw_dir ~ '/' ~ node.identifier -%}
        {%- if node.meta.get('raw_path') -%}
            {%- set data_files = listing.get(raw_dir ~ '/' ~ node.meta.raw_path, []) -%}
        {%- else -%}
            {%- set data_files = persona.raw_data_files(folder, listing.get(folder, [])) -%}
        {%- endif -%}
        {%- set columns = node.columns.values() | list -%}
        {%- for column in columns if column.meta.get('feature') -%}
            {%- do feature_columns.setdefault(column.meta.feature, []).append(column.name) -%}
        {%- endfor -%}
        {%- if data_files | length == 0 -%}
            {%- if not (node.meta.get('evaluation_only') or node.meta.get('optional_table')) -%}{%- do empty_tables.append(node.identifier) -%}{%- endif -%}
            {%- set body = persona.raw_view_body(node, none) -%}
        {%- else -%}
            {{ log('raw: reading ' ~ data_files | length ~ ' Parquet file(s) in ' ~ folder, info=False) }}
            {%- set reader = persona.raw_reader(node, data_files, listed.root, raw_dir) -%}
            {%- set present = reader.columns | map('lower') | list -%}
            {%- for column in columns if column.meta.get('feature') and column.name in present -%}
                {%- do feature_present.update({column.meta.feature: true}) -%}
            {%- endfor -%}
            {%- set missing = [] -%}
            {%- for column in columns if column.name not in present and not column.meta.get('optional') -%}
                {%- do missing.append(column.name) -%}
            {%- endfor -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.identifier ~ "' in folder " ~ folder ~ " lacks required column(s): "
                    ~ missing | join(', ') ~ ". Found: " ~ present | join(', ')
                    ~ ". Rename or add these columns in your export (see the raw input contract in README.md,"
                    ~ " 'Bring your own data'), or remove the folder if this channel is not used."
                ) }}
            {%- endif -%}
            {%- set body = persona.raw_view_body(node, reader) -%}
        {%- endif -%}
        {%- do statements.append('create or replace view ' ~ persona.raw_schema() ~ '.' ~ node.identifier ~ ' as ' ~ body) -%}
        {%- if plan is not none -%}
            {%- set incoming_files = data_files | select('in', incoming) | list -%}
            {%- set incoming_reader = persona.raw_reader(node, incoming_files, listed.root, raw_dir) if incoming_files else none -%}
            {%- do statements.append('create or replace view ' ~ persona.raw_schema() ~ '.' ~ node.identifier ~ '__incoming as '
                ~ persona.raw_view_body(node, incoming_reader)) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- said once per build: `dbt docs generate` after a build stays quiet -#}
    {%- if empty_tables and invocation_args_dict.get('which') != 'generate' -%}
        {{ log('persona: no raw files for ' ~ empty_tables | join(', ') ~ ' under ' ~ raw_dir ~ ' - these channels are treated as empty.', info=True) }}
    {%- endif -%}
    {%- for feature, names in feature_columns.items() | sort if not feature_present.get(feature) and invocation_args_dict.get('which') != 'generate' -%}
        {{ log('persona: no ' ~ feature ~ ' columns (' ~ names | join(', ') ~ ') in the raw data under ' ~ raw_dir ~ ' - the ' ~ feature ~ ' marts are empty.', info=True) }}
    {%- endfor -%}
    {{ return(persona.run_statements(statements)) }}
{% endmacro %}


{#- `raw_view_body(node, reader)`: the select of a raw view: every column of the source as text
    (null when the files lack it), and the two locators; no rows without a reader (no files). -#}
{% macro raw_view_body(node, reader) %}
    {%- set present = (reader.columns | map('lower') | list) if reader else [] -%}
    {%- set select_list = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if column.name in present -%}
            {%- do select_list.append('cast(' ~ adapter.quote(column.name) ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ column.name) -%}
        {%- else -%}
            {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if reader -%}
        {%- do select_list.append('cast(' ~ reader.file_column ~ ' as ' ~ dbt.type_string() ~ ') as _raw_file') -%}
        {%- do select_list.append('cast(' ~ reader.row_number_column ~ ' as bigint) as _raw_row_number') -%}
        {{- return('select ' ~ select_list | join(', ') ~ ' from ' ~ reader.relation) -}}
    {%- endif -%}
    {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as _raw_file') -%}
    {%- do select_list.append('cast(null as bigint) as _raw_row_number') -%}
    {{- return('select ' ~ select_list | join(', ') ~ ' where 1 = 0') -}}
{% endmacro %}


{#-
    `raw_listing(raw_dir)`: every file one level inside the raw folder's subfolders, as a mapping with
    `files`: from each folder (written `<raw_dir>/<table>`) to its files' paths in name order, and
    from each file's path to a one-element list (for `meta.raw_path` sources); and `root`: the raw
    folder as the engine wrote it in the listing. Names starting with `.` or `_` inside a table folder
    are kept here (where the engine lists them) and skipped by raw_data_files.
-#}
{% macro raw_listing(raw_dir) %}
    {{- return(adapter.dispatch('raw_listing', 'persona')(raw_dir)) -}}
{% endmacro %}

{% macro default__raw_listing(raw_dir) %}
    {%- set rows = run_query(
        "select file from glob('" ~ raw_dir ~ "/*/*') order by file"
    ).columns[0].values() -%}
    {{- return({'root': raw_dir, 'files': persona.group_raw_files(rows, raw_dir, raw_dir)}) -}}
{% endmacro %}

{#- Spark: the binaryFile source lists files without reading them (only `path` is selected). It
    reports absolute `file:` URIs and skips names starting with `.` or `_` inside a folder; the
    paths are rewritten to the raw folder as configured, so `_raw_file` reads as on DuckDB. A raw
    folder that does not exist stops the build with Spark's PATH_NOT_FOUND naming it. -#}
{% macro spark__raw_listing(raw_dir) %}
    {%- set rows = run_query(
        "select path from binaryFile.`" ~ raw_dir ~ "/*` order by path"
    ).columns[0].values() -%}
    {#- every path is <root>/<folder>/<file>: the root is what precedes the last two parts -#}
    {%- set root = rows[0].rsplit('/', 2)[0] if rows else raw_dir -%}
    {{- return({'root': root, 'files': persona.group_raw_files(rows, root, raw_dir)}) -}}
{% endmacro %}

{#- `group_raw_files(paths, listed_root, raw_dir)`: the listing mapping of raw_listing, from paths
    that start with `listed_root` (rewritten to start with `raw_dir`). -#}
{% macro group_raw_files(paths, listed_root, raw_dir) %}
    {%- set listing = {} -%}
    {%- for path in paths -%}
        {%- set file = raw_dir ~ path[listed_root | length:] -%}
        {%- set folder = file.rsplit('/', 1)[0] -%}
        {%- if folder not in listing -%}{%- do listing.update({folder: []}) -%}{%- endif -%}
        {%- do listing[folder].append(file) -%}
        {%- do listing.update({file: [file]}) -%}
    {%- endfor -%}
    {{- return(listing) -}}
{% endmacro %}


{#-
    `raw_reader(node, data_files, root, raw_dir)`: how to read a raw table's Parquet files (paths
    written under `raw_dir`; `root` is the raw folder as the engine lists it), as a mapping:
    `relation` (what the view selects from), `columns` (the names the files hold, all files merged by
    name), `file_column` and `row_number_column` (the locator expressions).
-#}
{% macro raw_reader(node, data_files, root, raw_dir) %}
    {{- return(adapter.dispatch('raw_reader', 'persona')(node, data_files, root, raw_dir)) -}}
{% endmacro %}

{% macro default__raw_reader(node, data_files, root, raw_dir) %}
    {%- set pattern = persona.sql_string_list(data_files) -%}
    {%- set described = run_query("describe select * from read_parquet(" ~ pattern ~ ", union_by_name = true)") -%}
    {{- return({
        'relation': "read_parquet(" ~ pattern ~ ", union_by_name = true, filename = '_raw_file', file_row_number = true)",
        'columns': described.columns[0].values() | list,
        'file_column': '_raw_file',
        'row_number_column': 'file_row_number',
    }) -}}
{% endmacro %}

{#- Spark: an external table `raw.<table>__files` over the table's folder (or the one file of
    `meta.raw_path`), file schemas merged by name, read through at each query; the locators come
    from the hidden `_metadata` column, the file written under the raw folder as configured (as on
    DuckDB). Files of one folder that give one column two types stop the build with Spark's
    CANNOT_MERGE_SCHEMAS (DuckDB reads them as their common type). -#}
{% macro spark__raw_reader(node, data_files, root, raw_dir) %}
    {%- set table = persona.raw_schema() ~ '.' ~ node.identifier ~ '__files' -%}
    {%- set relative = data_files[0] if node.meta.get('raw_path') else data_files[0].rsplit('/', 1)[0] -%}
    {%- set location = root ~ relative[raw_dir | length:] -%}
    {%- do run_query('create schema if not exists ' ~ persona.raw_schema()) -%}
    {%- do run_query('drop table if exists ' ~ table) -%}
    {%- do run_query(
        "create table " ~ table ~ " using parquet options (path '" ~ location ~ "', mergeSchema 'true')"
    ) -%}
    {%- set names = [] -%}
    {%- for name in run_query('describe ' ~ table).columns[0].values() -%}
        {%- if name and not name.startswith('#') and name not in names -%}{%- do names.append(name) -%}{%- endif -%}
    {%- endfor -%}
    {%- set folder = data_files[0].rsplit('/', 1)[0] -%}
    {{- return({
        'relation': table,
        'columns': names,
        'file_column': "concat('" ~ folder ~ "/', _metadata.file_name)",
        'row_number_column': '_metadata.row_index',
    }) -}}
{% endmacro %}


{#- `run_statements(statements)`: the SQL of a hook that runs `statements` in order. DuckDB takes
    them as one script; Spark runs one statement per call, so they run here and the hook is empty. -#}
{% macro run_statements(statements) %}
    {{- return(adapter.dispatch('run_statements', 'persona')(statements)) -}}
{% endmacro %}

{% macro default__run_statements(statements) %}
    {{- return(statements | join(';\n') ~ ';') -}}
{% endmacro %}

{% macro spark__run_statements(statements) %}
    {%- for statement in statements -%}{%- do run_query(statement) -%}{%- endfor -%}
    {{- return('') -}}
{% endmacro %}


{#-
    `raw_data_files(folder)`: the Parquet files of a raw table folder, in name order, each checked on
    its own. A name starting with `.` or `_` is not data (editor and upload leftovers, notes); any
    other file that is not `*.parquet` stops the build naming it; a Parquet file that cannot be read
    through stops the build naming it and saying what the reader found.
-#}
{% macro raw_data_files(folder, files) %}
    {%- set data_files = [] -%}
    {%- for file in files -%}
        {%- set name = file.rsplit('/', 1)[-1] -%}
        {%- if name.startswith('.') or name.startswith('_') -%}
        {%- elif not name.lower().endswith('.parquet') -%}
            {{ exceptions.raise_compiler_error(
                "persona: " ~ file ~ " is in the raw folder " ~ folder ~ "/ but is not a Parquet file. "
                ~ "Only *.parquet files are data (raw contract, version 2). Move it out of the folder, "
                ~ "convert it to Parquet, or rename it to start with '_' (e.g. _" ~ name ~ ") to keep it there unread."
            ) }}
        {%- else -%}
            {%- do data_files.append(file) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do persona.check_raw_files(folder, data_files) -%}
    {{- return(data_files) -}}
{% endmacro %}


{#- `check_raw_files(folder, data_files)`: stops the build naming the first data file that cannot be
    read through (persona_raw_file_problem, a Python function of the dbt-duckdb plugin). Spark has no
    such function: a damaged file fails the first query that reads it, with Spark's own message. -#}
{% macro check_raw_files(folder, data_files) %}
    {{- return(adapter.dispatch('check_raw_files', 'persona')(folder, data_files)) -}}
{% endmacro %}

{% macro spark__check_raw_files(folder, data_files) %}{% endmacro %}

{% macro default__check_raw_files(folder, data_files) %}
    {%- if data_files -%}
        {%- set checked = run_query(
            "select file, persona_raw_file_problem(file) as problem from unnest("
            ~ persona.sql_string_list(data_files) ~ ") as files(file) order by file"
        ) -%}
        {%- for row in checked.rows if row['problem'] is not none -%}
            {{ exceptions.raise_compiler_error(
                "persona: the raw file " ~ row['file'] ~ " " ~ row['problem'] ~ ", or move it out of "
                ~ folder ~ "/ to build without it."
            ) }}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}


{#- `sql_string_list(values)`: a SQL list literal of strings, ['a', 'b'] (quotes doubled). -#}
{% macro sql_string_list(values) %}
    {%- set quoted = [] -%}
    {%- for value in values -%}{%- do quoted.append(persona.quote_literal(value)) -%}{%- endfor -%}
    {{- return('[' ~ quoted | join(', ') ~ ']') -}}
{% endmacro %}


{#- The raw folder: PERSONA_RAW_DIR, else data/raw (relative paths resolve from the directory dbt runs in). -#}
{% macro raw_dir() %}
    {{- return((env_var('PERSONA_RAW_DIR', '') or 'data/raw').rstrip('/')) -}}
{% endmacro %}


{#- The schema holding the raw views; the sources' `schema` must say the same. -#}
{% macro raw_schema() %}
    {{- return('raw') -}}
{% endmacro %}
