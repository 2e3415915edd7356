{#-
    Exposes each raw contract table as a view `raw.<table>` over the Parquet files in
    `<PERSONA_RAW_DIR>/<table>/*.parquet` (default `data/raw`), before any model runs.

    - The list of tables and their columns is the source YAML under models/staging/: every source
      whose `meta.raw_table` is true; a column is required unless its `meta.optional` is true.
    - A missing or empty folder: the view is empty (typed, zero rows) and the log says so once.
    - A folder whose files lack a required column: the build stops, naming the folder and the
      missing columns. A folder holding something that is not Parquet: DuckDB's error names the file.
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
        {%- set pattern = raw_dir ~ '/' ~ node.meta.raw_path if node.meta.get('raw_path') else folder ~ '/*.parquet' -%}
        {%- set n_files = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
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
            {%- set reader = "read_parquet('" ~ pattern ~ "', union_by_name = true, filename = '_raw_file', file_row_number = true)" -%}
            {%- set described = run_query("describe select * from read_parquet('" ~ pattern ~ "', union_by_name = true)") -%}
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


{#- The raw folder: PERSONA_RAW_DIR, else data/raw (relative paths resolve from the directory dbt runs in). -#}
{% macro raw_dir() %}
    {{- return((env_var('PERSONA_RAW_DIR', '') or 'data/raw').rstrip('/')) -}}
{% endmacro %}


{#- The schema holding the raw views; the sources' `schema` must say the same. -#}
{% macro raw_schema() %}
    {{- return('raw') -}}
{% endmacro %}
