{#-
    The tag log's daily path (issue 17). `int_customer_tag_log` is a persona.history_log: on an
    incremental build it compares every tracked tag value with the key's latest log row, which takes
    a window over the whole log (some 200 million rows at a million persons, and growing each day).

    Instead, the log keeps beside it the tracked tag values it compared against, one row per
    person (`<log>__values`, written by the log's post-hook in the same transaction as the log's
    append, so the two cannot disagree). The next build compares each person's row of today's values
    (int_customer_tag_values) with that row, and unpivots only the tags that changed: the rows
    history_log itself would append, in one pass over one row per person. The people with a change
    are written to a work table by the log's pre-hook (`<log>__changed`: their values today and at
    the last build, side by side) and the post-hook drops it. As a table it is stored by column, so
    each tag's unpivot reads three columns of it; as a materialized CTE it held every column of every
    row in memory, which at a million persons (nearly all of whom have a score that moves each day)
    spilled and took 454 s, and ran out of memory beside another model.

    The companion is trusted only when it is as recent as the log (its recorded_at is not before the
    log's latest row) and was written for the same tracked tags (a digest of their codes, categories
    and value types). Otherwise (the first build with this code, a catalog change, Spark, a table
    removed by hand) the log compares the whole log as before. Erasure purges the companion with the
    log (persona.erasure_identity_purges).

    `tag_log_tracked_tags()`: the catalog's tags whose changes the log keeps (history is not false).
    `tag_log_digest()`: the digest of those tags' codes, categories and value types.
    `tag_log_values_relation()`: the companion's relation (it may not exist).
    `tag_log_previous_values(quiet)`: the companion when this build can compare with it, else none;
      the log says which path it takes (unless quiet: the pre-hook asks again).
    `tag_log_changed_relation()`: the pre-hook's work table of the people with a change.
    `tag_log_prepare()`: the pre-hook that writes it when the log compares with the companion.
    `tag_log_changes()`: the changes since the companion's build (history_log's `changes`), read
      from the pre-hook's work table.
    `tag_log_save_values()`: the post-hook that writes the companion (DuckDB only) and drops the
      work table.
    The log's unit tests take the window path (they mock the log, not the companion).
-#}
{% macro tag_log_tracked_tags() %}
    {{- return(persona.tag_catalog() | rejectattr('history', 'sameas', false) | list) -}}
{% endmacro %}


{% macro tag_log_digest() %}
    {%- set parts = [] -%}
    {%- for tag in persona.tag_log_tracked_tags() -%}
        {%- do parts.append(tag.code ~ ':' ~ tag.category ~ ':' ~ tag.value_type) -%}
    {%- endfor -%}
    {{- return(local_md5(parts | join('|'))) -}}
{% endmacro %}


{% macro tag_log_values_relation() %}
    {{- return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__values')) -}}
{% endmacro %}


{% macro tag_log_changed_relation() %}
    {{- return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__changed')) -}}
{% endmacro %}


{% macro tag_log_previous_values(quiet=false) %}
    {%- if not execute or not is_incremental() or model.resource_type == 'unit_test' -%}{{ return(none) }}{%- endif -%}
    {%- set relation = persona.tag_log_values_relation() -%}
    {%- set reason = none -%}
    {%- if target.type != 'duckdb' -%}
        {%- set reason = 'the last build\'s values are kept on DuckDB only' -%}
    {%- elif not persona.relation_exists(relation) -%}
        {%- set reason = 'no earlier build kept its values' -%}
    {%- else -%}
        {%- set row = run_query(
            'select count(*), count(distinct tag_catalog_digest), max(tag_catalog_digest), max(recorded_at),'
            ~ ' (select max(recorded_at) from ' ~ this ~ ') from ' ~ relation
        ).rows[0] -%}
        {%- if row[0] | int == 0 -%}
            {%- set reason = 'the last build kept no values' -%}
        {%- elif row[1] | int != 1 or row[2] != persona.tag_log_digest() -%}
            {%- set reason = 'the tracked tags changed since the last build' -%}
        {%- elif row[4] is not none and row[3] < row[4] -%}
            {%- set reason = 'the kept values are older than the log' -%}
        {%- endif -%}
    {%- endif -%}
    {%- if reason is none -%}
        {%- if not quiet -%}{{ log(this.identifier ~ ': compares each person\'s tag values with the last build\'s', info=True) }}{%- endif -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if not quiet -%}{{ log(this.identifier ~ ': compares every tag value with the whole log (' ~ reason ~ ')', info=True) }}{%- endif -%}
    {{ return(none) }}
{% endmacro %}


{% macro tag_log_prepare() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set previous = persona.tag_log_previous_values(quiet=true) -%}
    {%- if previous is none -%}{{ return('') }}{%- endif -%}
    {%- set tags = persona.tag_log_tracked_tags() %}
    -- the people with a tracked value that is new, changed or gone, by value (cheaper than by text)
    create or replace table {{ persona.tag_log_changed_relation() }} as
    select
        coalesce(today.one_id, previous.one_id) as one_id,
        {%- for tag in tags %}
        today.{{ tag.code }},
        previous.{{ tag.code }} as {{ tag.code }}__before{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_customer_tag_values') }} as today
    full outer join {{ previous }} as previous on today.one_id = previous.one_id
    where
        {%- for tag in tags %}
        {{ 'or ' if not loop.first }}today.{{ tag.code }} is distinct from previous.{{ tag.code }}
        {%- endfor %}
{% endmacro %}


{% macro tag_log_changes() %}
    {%- set tags = persona.tag_log_tracked_tags() %}
    {%- set changed_people = persona.tag_log_changed_relation() %}
    -- one row per changed tag, compared as the log keeps it (as text: a number rounded to 4 decimals);
    -- the people with a change ({{ changed_people.identifier }}) come from the pre-hook (tag_log_prepare)
    {%- for tag in tags %}
    {%- set now = persona.tag_value_as_string('changed_people.' ~ tag.code, tag.value_type) %}
    {%- set before = persona.tag_value_as_string('changed_people.' ~ tag.code ~ '__before', tag.value_type) %}
    select
        changed_people.one_id,
        '{{ tag.code }}' as tag_code,
        '{{ tag.category }}' as tag_category,
        coalesce({{ now }}, {{ before }}) as tag_value,
        as_of.as_of_date,
        changed_people.{{ tag.code }} is null as is_removed
    from {{ changed_people }} as changed_people
    cross join as_of
    where
        changed_people.{{ tag.code }} is distinct from changed_people.{{ tag.code }}__before
        and {{ now }} is distinct from {{ before }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro tag_log_save_values() %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    create or replace table {{ persona.tag_log_values_relation() }} as
    select
        one_id,
        {%- for tag in persona.tag_log_tracked_tags() %}
        {{ tag.code }},
        {%- endfor %}
        '{{ persona.tag_log_digest() }}' as tag_catalog_digest,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as recorded_at
    from {{ ref('int_customer_tag_values') }};
    drop table if exists {{ persona.tag_log_changed_relation() }}
{% endmacro %}
