{#-
    identity_components(nodes, edges, work_name): the SQL of int_identity_components. Every usable
    identifier (node_id) gets the smallest node id of its connected component (component_id), and
    three columns that let the next build tell which identifiers changed (issue 17, item 3):
    - identifier_key: a hash of the identifier's type and value. Node ids are row numbers in
      (type, value) order, so a new identifier renumbers the ones after it; the key does not move.
    - n_neighbours, neighbour_signature: how many distinct identifiers it links to, and the XOR of
      their keys.

    A full build (an empty warehouse, `--full-refresh`, Spark, a table without those columns) runs
    connected_components over the whole graph. Otherwise (a daily build on DuckDB) it reads the
    table of the last build and computes again only the components that the changes reach:
    1. touched: the identifiers that are new, gone, or whose neighbours changed (count or
       signature); a new or retracted link and a newly blocked value all touch both ends;
    2. affected: every identifier of a last-build component holding a touched identifier, and the
       touched identifiers themselves;
    3. connected_components over the affected identifiers and the links between them. No link
       joins an affected identifier to an unaffected one: a new link touched both ends, and an old
       one lay inside one last-build component. So these are whole components, labelled as a full
       build labels them;
    4. every other identifier keeps its component: it and its component are unchanged, so the
       component's smallest identifier in (type, value) order, recorded as component_key, is still
       the smallest, and its node id today is the component id.
    The result equals a full build by construction: the same components, each labelled by its
    smallest node id. Two identifiers share a key, or a changed neighbour set keeps its signature,
    only by a 64-bit hash collision (the unique test on identifier_key catches the first).
-#}
{% macro identity_components(nodes, edges, work_name) %}
    {%- set neighbour_pairs -%}
        (
            select node_id_a as node_id, node_id_b as neighbour_id from {{ edges }} as edges_in
            where node_id_a <> node_id_b
            union
            select node_id_b as node_id, node_id_a as neighbour_id from {{ edges }} as edges_in
            where node_id_a <> node_id_b
        )
    {%- endset -%}
    {%- set signatures_sql -%}
        select
            node_keys.node_id,
            node_keys.identifier_key,
            count(neighbour_keys.identifier_key) as n_neighbours,
            coalesce(bit_xor(neighbour_keys.identifier_key), 0) as neighbour_signature
        from (
            select
                node_id,
                {{ persona.key_hash(['identifier_type', 'identifier_value']) }} as identifier_key
            from {{ nodes }} as nodes_in
        ) as node_keys
        left join {{ neighbour_pairs }} as pairs on node_keys.node_id = pairs.node_id
        left join (
            select
                node_id,
                {{ persona.key_hash(['identifier_type', 'identifier_value']) }} as identifier_key
            from {{ nodes }} as nodes_in
        ) as neighbour_keys on pairs.neighbour_id = neighbour_keys.node_id
        group by node_keys.node_id, node_keys.identifier_key
    {%- endset -%}
    {%- set running = execute and flags.WHICH in ['run', 'build', 'show'] -%}
    {%- set incremental = running and persona.components_can_update(this) -%}
    {%- if running -%}
        {%- set signatures = persona.cc_work_relation(work_name ~ '__signatures') -%}
        {%- do run_query(persona.cc_create_table_as(signatures, signatures_sql)) -%}
    {%- else -%}
        {%- set signatures = '(' ~ signatures_sql ~ ')' -%}
    {%- endif -%}
    {%- if incremental -%}
        {%- set affected = persona.cc_work_relation(work_name ~ '__affected') -%}
        {%- do run_query(persona.cc_create_table_as(affected, persona.components_affected_sql(signatures, this))) -%}
        {%- set counts = run_query(
            'select (select count(*) from ' ~ affected ~ '), (select count(*) from ' ~ signatures ~ ')'
        ).rows[0] -%}
        {{ log('identity_components: ' ~ work_name ~ ' computes again ' ~ counts[0] ~ ' of ' ~ counts[1]
            ~ ' identifiers (the components the changes reach); the others keep their component', info=True) }}
        {%- set component_nodes = '(select node_id from ' ~ affected ~ ')' -%}
        {%- set component_edges -%}
            (
                select edges_in.node_id_a, edges_in.node_id_b
                from {{ edges }} as edges_in
                inner join {{ affected }} as affected_a on edges_in.node_id_a = affected_a.node_id
                inner join {{ affected }} as affected_b on edges_in.node_id_b = affected_b.node_id
            )
        {%- endset -%}
    {%- else -%}
        {%- set component_nodes = '(select node_id from ' ~ signatures ~ ' as signatures_in)' -%}
        {%- set component_edges = edges -%}
    {%- endif %}
with signatures as (
    select * from {{ signatures }} as signatures_in
),

computed as (
    {{ persona.connected_components(component_nodes, 'node_id', component_edges, 'node_id_a', 'node_id_b', work_name) }}
),

{%- if incremental %}

-- the identifiers of the components no change reached: their component, by its smallest identifier
kept as (
    select
        signatures.node_id,
        component_nodes.node_id as component_id
    from signatures
    inner join {{ this }} as previous on signatures.identifier_key = previous.identifier_key
    inner join signatures as component_nodes on previous.component_key = component_nodes.identifier_key
    left join {{ affected }} as affected on signatures.node_id = affected.node_id
    where affected.node_id is null
),

components as (
    select node_id, component_id from computed
    union all
    select node_id, component_id from kept
),
{%- else %}

components as (
    select node_id, component_id from computed
),
{%- endif %}

final as (
    select
        components.node_id,
        components.component_id,
        signatures.identifier_key,
        signatures.n_neighbours,
        signatures.neighbour_signature,
        component_nodes.identifier_key as component_key
    from components
    inner join signatures on components.node_id = signatures.node_id
    inner join signatures as component_nodes on components.component_id = component_nodes.node_id
)

select * from final
{%- endmacro %}


{#- Whether int_identity_components can update the table of the last build (see above). -#}
{% macro components_can_update(relation) %}
    {%- if target.type != 'duckdb' or flags.FULL_REFRESH or model.resource_type == 'unit_test' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
    {%- if existing is none -%}{{ return(false) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {{ return(['identifier_key', 'n_neighbours', 'neighbour_signature', 'component_key']
        | reject('in', columns) | list | length == 0) }}
{% endmacro %}


{#- The node ids of today's identifiers in a component that a change reaches (steps 1 and 2). -#}
{% macro components_affected_sql(signatures, previous) %}
    {%- set sql -%}
        with touched as (
            select current_keys.identifier_key
            from {{ signatures }} as current_keys
            left join {{ previous }} as previous on current_keys.identifier_key = previous.identifier_key
            where
                previous.identifier_key is null
                or previous.n_neighbours <> current_keys.n_neighbours
                or previous.neighbour_signature <> current_keys.neighbour_signature
            union
            select previous.identifier_key
            from {{ previous }} as previous
            left join {{ signatures }} as current_keys on previous.identifier_key = current_keys.identifier_key
            where current_keys.identifier_key is null
        ),

        affected_keys as (
            select identifier_key from touched
            union
            select previous.identifier_key
            from {{ previous }} as previous
            where previous.component_key in (
                select reached.component_key
                from {{ previous }} as reached
                inner join touched on reached.identifier_key = touched.identifier_key
            )
        )

        select current_keys.node_id
        from {{ signatures }} as current_keys
        inner join affected_keys on current_keys.identifier_key = affected_keys.identifier_key
    {%- endset -%}
    {{ return(sql) }}
{% endmacro %}
