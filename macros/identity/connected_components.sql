{#-
    connected_components(nodes, node_column, edges, column_a, column_b, work_name)

    Labels every node with the smallest node id of its connected component, in ONE model run for any
    graph diameter: the macro loops inside the model (run_query per round) until no label changes,
    so nobody re-runs dbt until it converges.

    - nodes: relation with one row per node, `node_column` a bigint id.
    - edges: relation with undirected edges between node ids (`column_a`, `column_b`); either
      direction, duplicates and self-loops are fine.
    - work_name: prefix for the work tables, created next to the model and dropped afterwards
      (call `drop_connected_components_work(this)` in the model's post-hook).
    Returns the SQL text of a select with columns (node_id, component_id).

    Algorithm (portable SQL, one `create table as` per round): min-label propagation with hooking
    and pointer jumping. Each round a node takes the smallest label among its own and its
    neighbours'; the node its label points to takes that smaller label too (hooking); then every
    node takes its label's label (pointer jumping), twice. Labels always name a node of the same
    component and only decrease, so at the fixed point each component carries its smallest node
    id. Pointer jumping makes the number of rounds grow roughly with log(diameter) rather than with
    the diameter (see DECISIONS.md for measured round counts). `var('identity_components_max_rounds')` is a
    safety stop that fails the build with a clear message instead of returning unconverged labels.

    During parse, compile, docs and lint (anything but `run`, `build` and `show`), it returns a single-round
    preview so the compiled SQL can be read and linted, and runs nothing.
-#}
{% macro connected_components(nodes, node_column, edges, column_a, column_b, work_name) %}
    {{ return(adapter.dispatch('connected_components', 'persona')(nodes, node_column, edges, column_a, column_b, work_name)) }}
{% endmacro %}


{% macro default__connected_components(nodes, node_column, edges, column_a, column_b, work_name) %}
    {%- set preview -%}
        select {{ node_column }} as node_id, {{ node_column }} as component_id from {{ nodes }} as nodes_in
    {%- endset -%}
    {%- if not execute or flags.WHICH not in ['run', 'build', 'show'] -%}
        {{ return(preview) }}
    {%- endif -%}
    {%- set edge_table = persona.cc_work_relation(work_name ~ '__edges') -%}
    {#- both directions; duplicates are harmless for min(), so no de-duplication pass -#}
    {%- do run_query(persona.cc_create_table_as(edge_table,
        'select ' ~ column_a ~ ' as node_id, ' ~ column_b ~ ' as neighbour_id from ' ~ edges ~ ' as edges_in'
        ~ ' where ' ~ column_a ~ ' <> ' ~ column_b
        ~ ' union all select ' ~ column_b ~ ', ' ~ column_a ~ ' from ' ~ edges ~ ' as edges_in'
        ~ ' where ' ~ column_a ~ ' <> ' ~ column_b
    )) -%}
    {%- set labels = persona.cc_work_relation(work_name ~ '__labels') -%}
    {%- set next_labels = persona.cc_work_relation(work_name ~ '__labels_next') -%}
    {%- do run_query(persona.cc_create_table_as(labels,
        'select ' ~ node_column ~ ' as node_id, ' ~ node_column ~ ' as label from ' ~ nodes ~ ' as nodes_in'
    )) -%}
    {#- labels never increase (each is a node of the component, at most the node's own id), so the
        sum of all labels drops exactly when some label changed: one scan instead of a join -#}
    {%- set state = namespace(converged=false, rounds=0, label_sum=persona.cc_label_sum(labels)) -%}
    {%- for round in range(var('identity_components_max_rounds', 200)) if not state.converged -%}
        {%- set round_sql -%}
            with neighbour_min as (
                select edge.node_id, min(label.label) as label
                from {{ edge_table }} as edge
                inner join {{ labels }} as label on edge.neighbour_id = label.node_id
                group by edge.node_id
            ),
            hooked as (
                select current_label.label as node_id, min(neighbour_min.label) as label
                from {{ labels }} as current_label
                inner join neighbour_min on current_label.node_id = neighbour_min.node_id
                where neighbour_min.label < current_label.label
                group by current_label.label
            ),
            proposals as (
                select node_id, label from {{ labels }}
                union all
                select node_id, label from neighbour_min
                union all
                select node_id, label from hooked
            ),
            merged as (
                select node_id, min(label) as label from proposals group by node_id
            ),
            jumped as (
                select merged.node_id, coalesce(parent.label, merged.label) as label
                from merged left join merged as parent on merged.label = parent.node_id
            )
            select jumped.node_id, coalesce(parent.label, jumped.label) as label
            from jumped left join jumped as parent on jumped.label = parent.node_id
        {%- endset -%}
        {%- do run_query(persona.cc_create_table_as(next_labels, round_sql)) -%}
        {%- set label_sum = persona.cc_label_sum(next_labels) -%}
        {%- do run_query('drop table ' ~ labels) -%}
        {%- do run_query('alter table ' ~ next_labels ~ ' rename to ' ~ persona.cc_identifier(labels)) -%}
        {%- set state.rounds = round + 1 -%}
        {%- if label_sum == state.label_sum -%}{%- set state.converged = true -%}{%- endif -%}
        {%- set state.label_sum = label_sum -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {{ exceptions.raise_compiler_error(
            'connected_components did not converge in ' ~ state.rounds ~ ' rounds (var identity_components_max_rounds).'
            ~ ' Raise the var; it means a graph with an extraordinarily long path -'
            ~ ' check int_identifier_links_screened for a runaway chain.'
        ) }}
    {%- endif -%}
    {{ log('connected_components: ' ~ work_name ~ ' converged in ' ~ state.rounds ~ ' round(s)', info=True) }}
    {{ return('select node_id, label as component_id from ' ~ labels) }}
{% endmacro %}


{#- A work table of the connected-components loop: in the schema of the model being built; on DuckDB
    a temporary table (in memory, spilling to disk if needed, never written to the warehouse file). -#}
{% macro cc_work_relation(identifier) %}
    {{ return(adapter.dispatch('cc_work_relation', 'persona')(identifier)) }}
{% endmacro %}

{% macro default__cc_work_relation(identifier) %}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier=identifier, type='table')) }}
{% endmacro %}

{% macro duckdb__cc_work_relation(identifier) %}
    {{ return(identifier) }}
{% endmacro %}

{#- The bare table name of a work relation (for `alter table ... rename to`). -#}
{% macro cc_identifier(relation) %}
    {{ return(relation.identifier if relation is not string else relation) }}
{% endmacro %}

{#- `create table ... as` for a work table (temporary on DuckDB). -#}
{% macro cc_create_table_as(relation, sql) %}
    {{ return(adapter.dispatch('cc_create_table_as', 'persona')(relation, sql)) }}
{% endmacro %}

{% macro default__cc_create_table_as(relation, sql) %}
    {{ return('create or replace table ' ~ relation ~ ' as ' ~ sql) }}
{% endmacro %}

{% macro duckdb__cc_create_table_as(relation, sql) %}
    {{ return('create or replace temp table ' ~ relation ~ ' as ' ~ sql) }}
{% endmacro %}

{#- Spark: Parquet tables cannot be replaced in place (that takes Delta Lake): dropped first. -#}
{% macro spark__cc_create_table_as(relation, sql) %}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {{ return('create table ' ~ relation ~ ' using parquet as ' ~ sql) }}
{% endmacro %}

{#- The sum of the labels of a work table (a number; 0 when empty). -#}
{% macro cc_label_sum(relation) %}
    {{ return(run_query('select coalesce(sum(cast(label as ' ~ dbt.type_numeric() ~ ')), 0) from ' ~ relation).columns[0].values()[0]) }}
{% endmacro %}


{#- Post-hook of a model that called connected_components: drops its work tables (and those of
    identity_components). -#}
{% macro drop_connected_components_work(work_name) %}
    {%- if not execute or flags.WHICH not in ['run', 'build', 'show'] -%}{{ return('') }}{%- endif -%}
    {%- set statements = [] -%}
    {%- for suffix in ['__edges', '__labels', '__labels_next', '__signatures', '__affected'] -%}
        {%- do statements.append('drop table if exists ' ~ persona.cc_work_relation(work_name ~ suffix)) -%}
    {%- endfor -%}
    {{ return(persona.run_statements(statements)) }}
{% endmacro %}
