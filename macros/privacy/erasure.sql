{#-
    Erasure (PIPL art. 47, raw contract version 2: erasure_requests). How it works, in build order:

    1. Every base model drops the raw rows that carry an identifier on the suppression list
       `privacy.erased_identifiers` as it stood when the build started (`not_erased`), and blanks
       a column that only *refers* to an erased person (the sharer of a visit: `unless_erased`).
       Such rows are never staged or linked again; rpt_raw_reconciliation counts them as
       `rows_erased`.
    2. OneID is resolved as usual (int_identity_clusters_assigned).
    3. privacy_erased_identifiers (the suppression list, append-only, kept through --full-refresh)
       adds the SHA-256 digest of every identifier of every OneID a new erasure request resolves to,
       of the requested identifier itself unless it is a shared value the guards excluded, and of the
       keys of their orders (so the order lines go too).
    4. Its post-hook `apply_erasure` deletes, for the digests added by this build only, every row
       of the erased people from the tables built before it (the base tables and the OneID
       internals) and from every history table (append-only logs, identity changes): by identifier
       value, by order key, and by every OneID the person ever had (the identifier log). It writes
       one row per request and table to privacy.erasure_purge_counts (no identifier, no OneID).
    5. int_identity_clusters (a view) and every model that reads people are built after it
       (tests/python/test_layout.py checks that order), so they never see the erased person.
    The ledger (privacy_erasure_ledger) keeps one row per request with the rows removed per table.

    `erasure_targets()`: the base models and the columns holding each identifier type (the normal
    forms), a column that only refers to another person (`references`), the order-line model of an
    order model (`lines`, by `key`), and the consent events, which carry a typed identifier. The
    erasure requests are not a target: they hold only digests, live in the schema `privacy` and
    outlive the person they erase (rpt_privacy_requests reports every one of them).
-#}
{% macro erasure_targets() %}
    {{- return([
        {'model': 'base_crm__members',
         'identifiers': {'member_id': 'member_id', 'member_card': 'member_card_no', 'phone': 'phone', 'email': 'email'} },
        {'model': 'base_web__events', 'identifiers': {'cookie_id': 'cookie_id', 'member_id': 'member_id'},
         'references': {'referrer_member_id': 'member_id'} },
        {'model': 'base_app__events',
         'identifiers': {'device_id': 'device_id', 'member_id': 'member_id', 'phone': 'login_phone'} },
        {'model': 'base_miniprogram__events', 'identifiers': {'openid': 'openid', 'unionid': 'unionid', 'phone': 'phone'},
         'references': {'share_from_openid': 'openid'} },
        {'model': 'base_miniprogram__orders', 'identifiers': {'openid': 'openid', 'unionid': 'unionid', 'phone': 'phone'},
         'lines': {'model': 'base_miniprogram__order_items', 'key': 'order_id'} },
        {'model': 'base_ecommerce__orders',
         'identifiers': {'buyer_id': 'buyer_id', 'member_id': 'member_id', 'phone': 'receiver_phone'},
         'lines': {'model': 'base_ecommerce__order_items', 'key': 'order_id'} },
        {'model': 'base_pos__transactions', 'identifiers': {'member_card': 'member_card_no', 'phone': 'phone'},
         'lines': {'model': 'base_pos__transaction_items', 'key': 'txn_id'} },
        {'model': 'base_wecom__contacts',
         'identifiers': {'wecom_userid': 'wecom_userid', 'unionid': 'unionid', 'phone': 'remark_phone'} },
        {'model': 'base_service__tickets', 'identifiers': {'member_id': 'member_id', 'phone': 'phone', 'openid': 'openid'} },
        {'model': 'base_marketing__campaign_touches',
         'identifiers': {'phone': 'phone', 'device_id': 'device_id', 'openid': 'openid', 'email': 'email'} },
        {'model': 'base_privacy__consent_events', 'typed_identifier': ['identifier_type', 'identifier_value']},
    ]) -}}
{% endmacro %}


{#- The erasure target of a base model (see erasure_targets), or none; for an order-line model, the
    line entry ({'order_model', 'model', 'key'}). -#}
{% macro erasure_target(model_name) %}
    {%- for target in persona.erasure_targets() -%}
        {%- if target.model == model_name -%}{{ return(target) }}{%- endif -%}
        {%- if target.get('lines') and target.lines.model == model_name -%}
            {{ return({'order_model': target.model, 'model': model_name, 'key': target.lines.key}) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}


{#- The suppression list's relation when it exists and holds a digest, else none (nothing to filter:
    no hashing cost). Only at run time. -#}
{% macro erased_identifiers_relation() %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set relation = adapter.get_relation(persona.target_database(), 'privacy', 'erased_identifiers') -%}
    {%- if relation is none -%}{{ return(none) }}{%- endif -%}
    {%- set rows = run_query('select count(*) from ' ~ relation) -%}
    {%- if rows.columns[0].values()[0] | int == 0 -%}{{ return(none) }}{%- endif -%}
    {{ return(relation) }}
{% endmacro %}


{#- The order-key digest of an order model's row (an erased person's order lines are dropped by it). -#}
{% macro order_key_digest(order_model, key_column) -%}
    {{ persona.identifier_digest("'" ~ order_model ~ "'", key_column) }}
{%- endmacro %}


{#-
    `not_erased(model_name, alias)`: a condition that is true when the row of base model `model_name`
    (columns reached through `alias`) carries no identifier on the suppression list. `true` when the
    list is empty or does not exist yet.
-#}
{% macro not_erased(model_name, alias) -%}
    {%- set relation = persona.erased_identifiers_relation() -%}
    {%- set target_entry = persona.erasure_target(model_name) -%}
    {%- if relation is none or target_entry is none -%}
        true
    {%- else -%}
        {%- set digests = '(select identifier_digest from ' ~ relation ~ ')' -%}
        {%- set checks = [] -%}
        {%- if target_entry.get('order_model') -%}
            {%- do checks.append(persona.order_key_digest(target_entry.order_model, alias ~ '.' ~ target_entry.key) ~ ' in ' ~ digests) -%}
        {%- elif target_entry.get('typed_identifier') -%}
            {%- do checks.append(persona.identifier_digest(alias ~ '.' ~ target_entry.typed_identifier[0], alias ~ '.' ~ target_entry.typed_identifier[1]) ~ ' in ' ~ digests) -%}
        {%- else -%}
            {%- for identifier_type, column in target_entry.identifiers.items() -%}
                {%- do checks.append(persona.identifier_digest("'" ~ identifier_type ~ "'", alias ~ '.' ~ column) ~ ' in ' ~ digests) -%}
            {%- endfor -%}
        {%- endif -%}
        not coalesce({{ checks | join(' or ') }}, false)
    {%- endif -%}
{%- endmacro %}


{#- `unless_erased(identifier_type, expression)`: the expression, or null when it is an identifier on
    the suppression list (a column that refers to another person, such as a visit's sharer). -#}
{% macro unless_erased(identifier_type, expression) -%}
    {%- set relation = persona.erased_identifiers_relation() -%}
    {%- if relation is none -%}
        {{ expression }}
    {%- else -%}
        case
            when {{ persona.identifier_digest("'" ~ identifier_type ~ "'", expression) }}
                in (select identifier_digest from {{ relation }}) then null
            else {{ expression }}
        end
    {%- endif -%}
{%- endmacro %}


{#-
    `apply_erasure()`: the post-hook of privacy_erased_identifiers (see the top of this file). It
    purges the digests whose request is not yet in the ledger: those this build added, and those of
    a build that stopped before its ledger row was written (the next build finishes the job). Does
    nothing when there are none.
-#}
{% macro apply_erasure() %}
    {{ return(adapter.dispatch('apply_erasure', 'persona')()) }}
{% endmacro %}

{#- Spark on plain Parquet tables (the local `session` target) cannot delete rows: the build stops
    with a message when a new request needs a purge; with nothing new, the pre-filter is all it takes. -#}
{% macro spark__apply_erasure() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set new_rows = run_query(
        'select count(*) from ' ~ persona.pending_erasure_digests() ~ ' as p'
    ).columns[0].values()[0] | int -%}
    {%- set counts = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_purge_counts') -%}
    {%- do run_query('create table if not exists ' ~ counts ~ ' (invocation_id string, request_id string, table_name string, rows_removed bigint) using parquet') -%}
    {%- do adapter.cache_added(counts.incorporate(type='table')) -%}
    {%- if new_rows > 0 -%}
        {{ exceptions.raise_compiler_error(
            'persona: this build added ' ~ new_rows ~ ' identifier digest(s) of erased people to privacy.erased_identifiers, '
            ~ 'but on this Spark target tables are plain Parquet files, which cannot delete rows, so the people it '
            ~ 'staged and linked cannot be removed. Apply erasure requests with the DuckDB target (make run), or run '
            ~ 'on Delta tables; the next Spark build then drops their rows before staging.'
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro default__apply_erasure() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set pending = persona.pending_erasure_digests() -%}
    {%- set new_rows = run_query('select count(*) from ' ~ pending ~ ' as p').columns[0].values()[0] | int -%}
    {%- set counts = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_purge_counts') -%}
    {%- set string = dbt.type_string() -%}
    {%- set statements = [
        'create table if not exists ' ~ counts ~ ' (invocation_id ' ~ string ~ ', request_id ' ~ string ~ ', table_name '
        ~ string ~ ', rows_removed bigint)' ~ persona.table_format_clause()
    ] -%}
    {#- the ledger model reads the counts: dbt must know the table exists (it listed relations at the start) -#}
    {%- do adapter.cache_added(counts.incorporate(type='table')) -%}
    {%- if new_rows == 0 -%}
        {%- do run_query(statements[0]) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set work = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_work_identifiers') -%}
    {%- set work_one_ids = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_work_one_ids') -%}
    {%- set clusters = persona.node_relation('int_identity_clusters_assigned') -%}
    {%- set one_id_log = persona.node_relation('int_identifier_one_id_log') -%}
    {%- set has_log = adapter.get_relation(one_id_log.database, one_id_log.schema, one_id_log.identifier) is not none -%}
    {%- set new_digests = pending -%}
    {#- the erased people's identifiers in plain form: in this build's clusters (with their node ids)
        and, for a purge an interrupted build left unfinished, in the identifier log -#}
    {%- set from_log -%}
        {%- if has_log %}
        union
        select new_digests.request_id, cast(null as bigint) as node_id, logged.identifier_type, logged.identifier_value
        from {{ one_id_log }} as logged
        inner join {{ new_digests }} as new_digests
            on new_digests.identifier_digest = {{ persona.identifier_digest('logged.identifier_type', 'logged.identifier_value') }}
        {%- endif -%}
    {%- endset -%}
    {%- do statements.append(
        'create or replace table ' ~ work ~ ' as select distinct new_digests.request_id, clusters.node_id,'
        ~ ' clusters.identifier_type, clusters.identifier_value from ' ~ clusters ~ ' as clusters inner join '
        ~ new_digests ~ ' as new_digests on new_digests.identifier_digest = '
        ~ persona.identifier_digest('clusters.identifier_type', 'clusters.identifier_value') ~ from_log
    ) -%}
    {#- every OneID they ever had: now, and in the identifier log of earlier builds -#}
    {%- set log_one_ids -%}
        {%- if has_log -%}
        union select work.request_id, logged.one_id from {{ one_id_log }} as logged
        inner join {{ work }} as work
            on logged.identifier_type = work.identifier_type and logged.identifier_value = work.identifier_value
        where logged.one_id is not null
        {%- endif -%}
    {%- endset -%}
    {%- do statements.append(
        'create or replace table ' ~ work_one_ids ~ ' as select work.request_id, clusters.one_id from ' ~ clusters
        ~ ' as clusters inner join ' ~ work ~ ' as work on clusters.node_id = work.node_id ' ~ log_one_ids
    ) -%}
    {%- set purges = [] -%}
    {#- base tables: order lines first (found through their orders), then the rows themselves -#}
    {#- a table this build did not select and no earlier build made has nobody to remove -#}
    {%- for target_entry in persona.erasure_targets() if persona.relation_exists(persona.node_relation(target_entry.model)) -%}
        {%- set relation = persona.node_relation(target_entry.model) -%}
        {%- set matches = [] -%}
        {%- if target_entry.get('typed_identifier') -%}
            {%- do matches.append('select work.request_id, t._raw_file, t._raw_row_number from ' ~ relation ~ ' as t inner join ' ~ work
                ~ ' as work on t.' ~ target_entry.typed_identifier[0] ~ ' = work.identifier_type and t.'
                ~ target_entry.typed_identifier[1] ~ ' = work.identifier_value') -%}
        {%- else -%}
            {%- for identifier_type, column in target_entry.identifiers.items() -%}
                {%- do matches.append('select work.request_id, t._raw_file, t._raw_row_number from ' ~ relation ~ ' as t inner join ' ~ work
                    ~ " as work on work.identifier_type = '" ~ identifier_type ~ "' and t." ~ column ~ ' = work.identifier_value') -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set matched = '(select distinct * from (' ~ matches | join(' union all ') ~ ') as m)' -%}
        {%- if target_entry.get('lines') and persona.relation_exists(persona.node_relation(target_entry.lines.model)) -%}
            {%- set lines = persona.node_relation(target_entry.lines.model) -%}
            {%- set key = target_entry.lines.key -%}
            {%- do purges.append({
                'table': lines,
                'matched': '(select distinct orders.request_id, l._raw_file, l._raw_row_number from ' ~ lines ~ ' as l inner join'
                    ~ ' (select m.request_id, t.' ~ key ~ ' from ' ~ matched ~ ' as m inner join ' ~ relation ~ ' as t'
                    ~ ' on t._raw_file = m._raw_file and t._raw_row_number = m._raw_row_number) as orders'
                    ~ ' on l.' ~ key ~ ' = orders.' ~ key ~ ')',
            }) -%}
        {%- endif -%}
        {%- do purges.append({'table': relation, 'matched': matched}) -%}
        {%- for column, identifier_type in target_entry.get('references', {}).items() -%}
            {%- do purges.append({'table': relation, 'blank': column, 'identifier_type': identifier_type}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for purge in purges -%}
        {%- if purge.get('blank') -%}
            {%- do statements.append(
                'update ' ~ purge.table ~ ' set ' ~ purge.blank ~ ' = null where ' ~ purge.blank ~ ' in (select identifier_value from '
                ~ work ~ " where identifier_type = '" ~ purge.identifier_type ~ "')"
            ) -%}
        {%- else -%}
            {%- do statements.append(
                'insert into ' ~ counts ~ " select '" ~ invocation_id ~ "', request_id, '" ~ purge.table.schema ~ '.' ~ purge.table.identifier
                ~ "', count(*) from " ~ purge.matched ~ ' as m group by request_id'
            ) -%}
            {%- do statements.append(
                'delete from ' ~ purge.table ~ ' where (_raw_file, _raw_row_number) in (select _raw_file, _raw_row_number from '
                ~ purge.matched ~ ' as m)'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- OneID internals built before this model, and every history table -#}
    {%- for table_sql in persona.erasure_identity_purges(work, work_one_ids) -%}
        {%- do statements.append(table_sql) -%}
    {%- endfor -%}
    {%- do statements.append('drop table ' ~ work_one_ids) -%}
    {%- do statements.append('drop table ' ~ work) -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ log('persona: erasure applied: ' ~ new_rows ~ ' identifier digest(s) removed from every table (privacy.erasure_ledger has the rows removed per request)', info=True) }}
    {{ return('') }}
{% endmacro %}


{#-
    The statements that remove the erased people from the OneID models built before
    privacy_erased_identifiers and from every history (incremental) table and its companion: a row goes when it holds
    one of their identifiers (identifier_type/identifier_value, a pair of them, a column per type),
    one of their node ids, or any OneID they ever had. Each is counted per request first.
-#}
{% macro erasure_identity_purges(work, work_one_ids) %}
    {%- set statements = [] -%}
    {%- set counts = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_purge_counts') -%}
    {%- set matched = api.Relation.create(database=this.database, schema=this.schema, identifier='erasure_work_rows') -%}
    {%- set types = persona.identity_identifier_types() -%}
    {%- set by_name = {} -%}
    {%- set histories = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name -%}
        {%- do by_name.update({node.name: node}) -%}
        {%- if node.config.materialized == 'incremental' and node.name not in [this.identifier, model.name, 'privacy_erasure_ledger'] -%}
            {%- do histories.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- a history table may keep a companion beside it (`<table>__values`: the tag log's last values) -#}
    {%- set tables = [] -%}
    {%- for name in persona.erasure_identity_models() + histories | sort -%}
        {%- set node = by_name[name] -%}
        {%- do tables.append(adapter.get_relation(node.database, node.schema, node.alias or node.name)) -%}
        {%- if name in histories -%}
            {%- do tables.append(adapter.get_relation(node.database, node.schema, (node.alias or node.name) ~ '__values')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for relation in tables -%}
        {%- if relation is not none -%}
            {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {#- each condition reads the work tables through `w`; `{r}` narrows them to one request -#}
            {%- set conditions = [] -%}
            {%- if 'identifier_type' in names and 'identifier_value' in names -%}
                {%- do conditions.append('exists (select 1 from ' ~ work ~ ' as w where w.identifier_type = t.identifier_type and w.identifier_value = t.identifier_value{r})') -%}
            {%- endif -%}
            {%- for side in ['a', 'b'] if 'identifier_type_' ~ side in names and 'identifier_value_' ~ side in names -%}
                {%- do conditions.append('exists (select 1 from ' ~ work ~ ' as w where w.identifier_type = t.identifier_type_' ~ side ~ ' and w.identifier_value = t.identifier_value_' ~ side ~ '{r})') -%}
            {%- endfor -%}
            {%- for column in ['node_id', 'node_id_a', 'node_id_b'] if column in names -%}
                {%- do conditions.append('t.' ~ column ~ ' in (select w.node_id from ' ~ work ~ ' as w where true{r})') -%}
            {%- endfor -%}
            {%- for column in names if column == 'one_id' or column.endswith('_one_id') -%}
                {%- do conditions.append('t.' ~ column ~ ' in (select w.one_id from ' ~ work_one_ids ~ ' as w where true{r})') -%}
            {%- endfor -%}
            {%- if 'source_model' in names -%}
                {%- for identifier_type in types if identifier_type in names -%}
                    {%- do conditions.append('t.' ~ identifier_type ~ ' in (select w.identifier_value from ' ~ work ~ " as w where w.identifier_type = '" ~ identifier_type ~ "'{r})") -%}
                {%- endfor -%}
            {%- endif -%}
            {%- if 'component_id' in names and 'node_id' not in names -%}
                {%- do conditions.append('t.component_id in (select components.component_id from ' ~ persona.node_relation('int_identity_components')
                    ~ ' as components inner join ' ~ work ~ ' as w on components.node_id = w.node_id where true{r})') -%}
            {%- endif -%}
            {%- if conditions -%}
                {%- set condition = '(' ~ conditions | join(' or ') ~ ')' -%}
                {#- the rows to remove are found in one pass and counted per request among themselves
                    (a count per request over the whole table scanned it once per request: hours at
                    a million persons) -#}
                {%- do statements.append('create or replace table ' ~ matched ~ ' as select * from ' ~ relation
                    ~ ' as t where ' ~ condition.replace('{r}', '')) -%}
                {%- do statements.append(
                    'insert into ' ~ counts ~ " select '" ~ invocation_id ~ "', requests.request_id, '"
                    ~ relation.schema ~ '.' ~ relation.identifier ~ "', (select count(*) from " ~ matched ~ ' as t where '
                    ~ condition.replace('{r}', ' and w.request_id = requests.request_id')
                    ~ ') from (select distinct request_id from ' ~ work_one_ids ~ ') as requests'
                ) -%}
                {%- do statements.append('drop table ' ~ matched) -%}
                {%- do statements.append('delete from ' ~ relation ~ ' as t where ' ~ condition.replace('{r}', '')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements) }}
{% endmacro %}


{#- The OneID models built before the suppression list (the resolution reads them): purged by
    apply_erasure, in this order: the conflicts before the components they are found through. -#}
{% macro erasure_identity_models() %}
    {{- return([
        'int_identifier_sightings', 'int_identifiers_observed', 'int_identifier_links_observed',
        'int_identifiers_screened', 'int_identifier_links_screened', 'int_identity_separations',
        'int_identity_conflict_links', 'int_identity_conflicts', 'int_identity_conflicts_resolved',
        'int_identity_clusters_assigned', 'int_identity_components',
    ]) -}}
{% endmacro %}


{#- A model's relation, found in the graph: the erasure hook reaches tables that are not its model's
    parents (history tables are built after it), which ref() would refuse in a hook. -#}
{% macro node_relation(model_name) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias or node.name)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("persona.node_relation: no model named '" ~ model_name ~ "'") }}
{% endmacro %}


{#-
    `create_suppression_list()` (on-run-start): the schema `privacy` and an empty suppression list
    when there is none yet, so the views that hide erased people (the generator's truth) can read it
    from the first build on. privacy_erased_identifiers appends to it.
-#}
{% macro create_suppression_list() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set relation = api.Relation.create(database=persona.target_database(), schema='privacy', identifier='erased_identifiers') -%}
    {%- set string = dbt.type_string() -%}
    {%- set timestamp = dbt.type_timestamp() -%}
    {%- do run_query('create schema if not exists ' ~ relation.without_identifier()) -%}
    {%- do run_query(
        'create table if not exists ' ~ relation ~ ' (identifier_digest ' ~ string ~ ', identifier_type ' ~ string
        ~ ', found_by ' ~ string ~ ', request_id ' ~ string ~ ', requested_at ' ~ timestamp
        ~ ', applied_at ' ~ timestamp ~ ', invocation_id ' ~ string ~ ')' ~ persona.table_format_clause()
    ) -%}
    {#- dbt listed the relations before this hook: tell it the list exists, so the model appends -#}
    {%- do adapter.cache_added(relation.incorporate(type='table')) -%}
    {{ return('') }}
{% endmacro %}

{% macro table_format_clause() %}
    {{- return(adapter.dispatch('table_format_clause', 'persona')()) -}}
{% endmacro %}

{% macro default__table_format_clause() -%}{%- endmacro %}

{% macro spark__table_format_clause() -%} using parquet{%- endmacro %}


{#- `erased_in_truth(person_column)`: true when the generator's truth gives the person one of the
    identifiers on the suppression list (the truth views hide erased people like every other table). -#}
{% macro erased_in_truth(person_column) -%}
    {{ person_column }} in (
        select truth.person_id
        from {{ source('truth', 'truth_identity') }} as truth
        where {{ persona.identifier_digest('truth.identifier_type', 'truth.identifier_value') }}
            in (select erased.identifier_digest from privacy.erased_identifiers as erased)
    )
{%- endmacro %}


{#- The suppression list's rows whose request has no ledger row yet, as a subquery (request_id,
    identifier_digest). -#}
{% macro pending_erasure_digests() %}
    {%- set ledger = persona.node_relation('privacy_erasure_ledger') -%}
    {%- set has_ledger = adapter.get_relation(ledger.database, ledger.schema, ledger.identifier) is not none -%}
    {{- return('(select request_id, identifier_digest from ' ~ this ~ (
        ' where request_id not in (select ledger.request_id from ' ~ ledger ~ ' as ledger)' if has_ledger else ''
    ) ~ ')') -}}
{% endmacro %}


{#- The target's database, or none where the adapter has none (Spark: schemas only). -#}
{% macro target_database() %}
    {{- return(target.database if target.database is defined else none) -}}
{% endmacro %}


{#- Whether a relation exists in the warehouse. -#}
{% macro relation_exists(relation) %}
    {{- return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) -}}
{% endmacro %}
