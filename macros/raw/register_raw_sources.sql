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
    - Two locator columns are added: `_raw_file` (the Parquet file) and `_raw_row_number` (the row's
      0-based position in it). Staging keeps them, so a quarantined row can be traced back to the
      exact file and row, and repeated deliveries are resolved in file order.
    - A source table may name its files with `meta.raw_path` (relative to the raw folder) instead of
      the `<table>/*.parquet` folder; `meta.evaluation_only` marks the generator's ground truth
      (`_truth/`), which is optional and never reported as a missing channel.
-#}
{% macro register_raw_sources() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = persona.raw_dir() -%}
    {%- set statements = ['create schema if not exists ' ~ persona.raw_schema()] -%}
    {%- set empty_tables = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='identifier') if node.meta.get('raw_table') -%}
        {%- set folder = raw_dir ~ '/' ~ node.identifier -%}
        {%- if node.meta.get('raw_path') -%}
            {%- set pattern = "'" ~ raw_dir ~ '/' ~ node.meta.raw_path ~ "'" -%}
            {%- set n_files = run_query("select count(*) from glob(" ~ pattern ~ ")").columns[0].values()[0] -%}
        {%- else -%}
            {%- set data_files = persona.raw_data_files(folder) -%}
            {%- set n_files = data_files | length -%}
            {%- set pattern = persona.sql_string_list(data_files) -%}
        {%- endif -%}
        {%- set columns = node.columns.values() | list -%}
        {%- if n_files == 0 -%}
            {%- if not node.meta.get('evaluation_only') -%}{%- do empty_tables.append(node.identifier) -%}{%- endif -%}
            {%- set select_list = [] -%}
            {%- for column in columns -%}
                {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ column.name) -%}
            {%- endfor -%}
            {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as _raw_file') -%}
            {%- do select_list.append('cast(null as bigint) as _raw_row_number') -%}
            {%- set body = 'select ' ~ select_list | join(', ') ~ ' where 1 = 0' -%}
        {%- else -%}
            {{ log('raw: reading ' ~ n_files ~ ' Parquet file(s) in ' ~ folder, info=False) }}
            {%- set reader = "read_parquet(" ~ pattern ~ ", union_by_name = true, filename = '_raw_file', file_row_number = true)" -%}
            {%- set described = run_query("describe select * from read_parquet(" ~ pattern ~ ", union_by_name = true)") -%}
            {%- set present = described.columns[0].values() | map('lower') | list -%}
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
            {%- set select_list = [] -%}
            {%- for column in columns -%}
                {%- if column.name in present -%}
                    {%- do select_list.append('cast(' ~ adapter.quote(column.name) ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ column.name) -%}
                {%- else -%}
                    {%- do select_list.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ column.name) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do select_list.append('cast(_raw_file as ' ~ dbt.type_string() ~ ') as _raw_file') -%}
            {%- do select_list.append('cast(file_row_number as bigint) as _raw_row_number') -%}
            {%- set body = 'select ' ~ select_list | join(', ') ~ ' from ' ~ reader -%}
        {%- endif -%}
        {%- do statements.append('create or replace view ' ~ persona.raw_schema() ~ '.' ~ node.identifier ~ ' as ' ~ body) -%}
    {%- endfor -%}
    {#- said once per build: `dbt docs generate` after a build stays quiet -#}
    {%- if empty_tables and invocation_args_dict.get('which') != 'generate' -%}
        {{ log('persona: no raw files for ' ~ empty_tables | join(', ') ~ ' under ' ~ raw_dir ~ ' - these channels are treated as empty.', info=True) }}
    {%- endif -%}
    {{ return(statements | join(';\n') ~ ';') }}
{% endmacro %}


{#-
    `raw_data_files(folder)`: the Parquet files of a raw table folder, in name order, each checked on
    its own. A name starting with `.` or `_` is not data (editor and upload leftovers, notes); any
    other file that is not `*.parquet` stops the build naming it; a Parquet file that cannot be read
    through stops the build naming it and saying what the reader found.
-#}
{% macro raw_data_files(folder) %}
    {%- set listing = run_query(
        "select file, regexp_extract(file, '[^/]*$') as name from glob('" ~ folder ~ "/*') order by file"
    ) -%}
    {%- set data_files = [] -%}
    {%- for row in listing.rows if not (row['name'].startswith('.') or row['name'].startswith('_')) -%}
        {%- if not row['name'].lower().endswith('.parquet') -%}
            {{ exceptions.raise_compiler_error(
                "persona: " ~ row['file'] ~ " is in the raw folder " ~ folder ~ "/ but is not a Parquet file. "
                ~ "Only *.parquet files are data (raw contract, version 2). Move it out of the folder, "
                ~ "convert it to Parquet, or rename it to start with '_' (e.g. _" ~ row['name'] ~ ") to keep it there unread."
            ) }}
        {%- endif -%}
        {%- do data_files.append(row['file']) -%}
    {%- endfor -%}
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
    {{- return(data_files) -}}
{% endmacro %}


{#- `sql_string_list(values)`: a SQL list literal of strings, ['a', 'b'] (quotes doubled). -#}
{% macro sql_string_list(values) %}
    {%- set quoted = [] -%}
    {%- for value in values -%}{%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}{%- endfor -%}
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
