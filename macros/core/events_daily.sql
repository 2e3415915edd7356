{#-
    The events' daily path (issue 17). Every event belongs to a session owner: the person (one_id)
    or, before we know who they are, the device (device_key: cookie, app device or openid). A
    session depends only on its owner's events, so a daily build re-sessionizes only the owners
    whose events may have changed, and keeps every other owner's rows as they are.

    `int_events_sessionized` is incremental on DuckDB. Its pre-hook (`events_forget_owners`) finds
    the owners a build sessionizes again whole:
    1. the stored and current owners of every event delivered again (a re-exported or withdrawn
       file, an event sent twice), and events without any owner;
    2. every OneID an identifier had before or has after an identity change logged since the last
       build (int_identifier_one_id_log: merges, splits, new identifiers, guards);
    3. the devices of those people's events, stored and current (an event that gains or loses its
       OneID moves between its person and its device).
    4. Every other owner of a new event (a new file, or the new as-of date) is sessionized again
       from its tail only: from the first event of the last session that began before its earliest
       new event, numbering its sessions on from those it keeps (`events_tail_statements`). An
       active person's years of history are not sessionized again to add a day.
    It then deletes those stored rows and keeps their event and session ids (`<table>__changes`).
    The model inserts the whole owners' current events, read from staging through the identifiers
    of those owners only (`events_unioned('owners')`), and the tails, sessionized. Its post-hook
    writes `<table>__state`: the build's start, its as-of end and a digest of the settings a
    session depends on.

    `fct_events` and `fct_sessions` follow: when the events table took the daily path in the same
    dbt invocation, and the model copied the build before it (`<table>__copies`), it deletes the
    rewritten event ids (session ids) and copies (aggregates) the rows written in this build;
    otherwise it copies every event. Then it sets every row's as_of_date to today's.
    `int_session_paths` copies the same way, by session.

    Per-person models that read those marts (int_customer_activity_days, int_customer_event_features)
    follow too, by OneID: when fct_events (and fct_sessions) copied this build and the model followed
    the build before, its pre-hook lists the people whose rows may change (`<table>__people`): every
    OneID whose events were rewritten, before and after, and every OneID with an event that crossed
    one of the model's time windows since the last as-of date (an event 7 days old yesterday is 8
    days old today: it leaves a 7-day window). It deletes their rows, and the model computes them again.

    The daily path is taken only when it gives what a full build would: not on a plain `dbt build`
    (no raw file plan: every file is read again), after a change of settings, when the as-of date
    moved back, when this build applied an erasure, on Spark or on a first build. The build log
    says which path each model took and why. `make run FULL_REFRESH=1` rebuilds both from scratch.
    tests/python/test_daily_run.py compares daily builds with full builds, day after day.

    `events_unioned(rows)`: web, app and mini-program events in one shape with their OneID (the body of
      int_events_unioned); `rows` = 'all', 'incoming' (new files, new as-of window) or 'owners'.
    `events_work_relation(suffix)`: a work table beside the events table (`<table>__<suffix>`).
    `events_settings_digest()`: what a session and an event row depend on besides the data.
    `events_daily_reason()`: none when this build can take the daily path, else why not (logged).
    `events_forget_owners()`: the pre-hook (above); `events_tail_statements(owners, incoming, tail)`:
      its step 4; `events_save_state()`: the post-hook.
    `events_copy_follows()`, `events_copied_rows()`, `events_copy_prepare(key)`, `events_copy_finish()`:
      the copying models' side.
    `events_people_settings()`, `events_people_follow()`, `events_people_prepare()`,
      `events_people_filter(alias)`, `events_people_relation()`: the per-person models' side.
-#}

{#- An event's session owner as the work tables key it: '' when it has neither OneID nor device. -#}
{% macro events_owner(alias) -%}
    coalesce({{ alias }}.one_id, {{ alias }}.device_key, '')
{%- endmacro %}


{#- The staging models of events: channel, the device column (the session owner before the OneID). -#}
{% macro events_channels() %}
    {{- return([
        {'model': 'stg_web__events', 'channel': 'web', 'device_type': 'cookie_id', 'device': 'cookie_id'},
        {'model': 'stg_app__events', 'channel': 'app', 'device_type': 'device_id', 'device': 'device_id'},
        {'model': 'stg_miniprogram__events', 'channel': 'miniprogram', 'device_type': 'openid', 'device': 'openid'},
    ]) -}}
{% endmacro %}


{#- The rows of one channel's staging model that `rows` asks for (a where clause, or nothing). -#}
{% macro events_rows_filter(entry, rows) %}
    {%- if rows == 'all' -%}{{ return('') }}{%- endif -%}
    {%- set conditions = [] -%}
    {%- if rows == 'incoming' -%}
        {%- set plan = persona.raw_file_plan_relation() -%}
        {%- do conditions.append("events._raw_file in (select '" ~ persona.raw_dir() ~ "/' || plan.path from " ~ plan ~ ' as plan)') -%}
        {%- do conditions.append('events.event_at >= (select state.as_of_end_at from ' ~ persona.events_work_relation('state') ~ ' as state)') -%}
        {%- do conditions.append(
            'events.event_id in (select substr(touched.event_id, ' ~ (entry.channel | length + 2) ~ ') from '
            ~ persona.events_work_relation('touched') ~ " as touched where touched.channel = '" ~ entry.channel ~ "')"
        ) -%}
    {%- elif rows == 'owners' -%}
        {%- set identifiers = persona.events_work_relation('owner_identifiers') -%}
        {%- for identifier_type, column in persona.one_id_identifiers(entry.model) -%}
            {%- do conditions.append(
                'events.' ~ column ~ ' in (select ids.identifier_value from ' ~ identifiers ~ " as ids where ids.identifier_type = '"
                ~ identifier_type ~ "')"
            ) -%}
        {%- endfor -%}
        {%- set prefix = entry.device_type ~ ':' -%}
        {%- do conditions.append(
            'events.' ~ entry.device ~ ' in (select substr(owners.owner, ' ~ (prefix | length + 1) ~ ') from '
            ~ persona.events_work_relation('owners') ~ " as owners where owners.owner like '" ~ prefix ~ "%')"
        ) -%}
        {%- do conditions.append(
            'events.' ~ entry.device ~ ' is null and exists (select 1 from ' ~ persona.events_work_relation('owners')
            ~ " as owners where owners.owner = '')"
        ) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("events_unioned: rows must be 'all', 'incoming' or 'owners', not '" ~ rows ~ "'") }}
    {%- endif -%}
    {{ return('where ' ~ conditions | join('\n        or ')) }}
{% endmacro %}


{% macro events_unioned(rows='all') %}
with web as (
    select
        {{ dbt.concat(["'web:'", 'events.event_id']) }} as event_id,
        'web' as channel,
        {{ persona.one_id_coalesce('stg_web__events') }} as one_id,
        {{ dbt.concat(["'cookie_id:'", 'events.cookie_id']) }} as device_key,
        events.event_type as event_name,
        events.product_id,
        events.search_term,
        case
            when events.user_agent like '%MicroMessenger%' then 'wechat_browser'
            when events.user_agent like '%iPhone%' or events.user_agent like '%iPad%' then 'ios'
            when events.user_agent like '%Android%' then 'android'
            when events.user_agent is null then 'unknown'
            else 'desktop'
        end as device_type,
        events.event_at,
        events._raw_file
    from {{ ref('stg_web__events') }} as events
    {{ persona.one_id_joins('stg_web__events', 'events') }}
    {{ persona.events_rows_filter(persona.events_channels()[0], rows) }}
),

app as (
    select
        {{ dbt.concat(["'app:'", 'events.event_id']) }} as event_id,
        'app' as channel,
        {{ persona.one_id_coalesce('stg_app__events') }} as one_id,
        {{ dbt.concat(["'device_id:'", 'events.device_id']) }} as device_key,
        events.event_name,
        events.product_id,
        cast(null as {{ dbt.type_string() }}) as search_term,
        coalesce(events.platform, 'unknown') as device_type,
        events.event_at,
        events._raw_file
    from {{ ref('stg_app__events') }} as events
    {{ persona.one_id_joins('stg_app__events', 'events') }}
    {{ persona.events_rows_filter(persona.events_channels()[1], rows) }}
),

miniprogram as (
    select
        {{ dbt.concat(["'miniprogram:'", 'events.event_id']) }} as event_id,
        'miniprogram' as channel,
        {{ persona.one_id_coalesce('stg_miniprogram__events') }} as one_id,
        {{ dbt.concat(["'openid:'", 'events.openid']) }} as device_key,
        events.event_name,
        events.product_id,
        cast(null as {{ dbt.type_string() }}) as search_term,
        'wechat_miniprogram' as device_type,
        events.event_at,
        events._raw_file
    from {{ ref('stg_miniprogram__events') }} as events
    {{ persona.one_id_joins('stg_miniprogram__events', 'events') }}
    {{ persona.events_rows_filter(persona.events_channels()[2], rows) }}
),

unioned as (
    select * from web
    union all
    select * from app
    union all
    select * from miniprogram
),

final as (
    select
        event_id,
        channel,
        one_id,
        device_key,
        event_name,
        case
            when event_name in ('app_open', 'mp_open') then 'open'
            when {{ persona.in_list('event_name', [
                    'page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase', 'share', 'favorite'
                ]) }} then event_name
            else 'other'
        end as event_type,
        product_id,
        search_term,
        device_type,
        event_at,
        _raw_file
    from unioned
    where {{ persona.on_or_before_as_of('event_at') }}
)

select * from final
{% endmacro %}


{#- The events int_events_sessionized sessionizes, each with the number of its owner's sessions kept
    before it (session_offset): on the daily path the current events of the owners its pre-hook
    found, and the tails of the other owners with a new event (events_tail_statements); else every
    event. -#}
{% macro events_to_sessionize() %}
    {%- if persona.events_daily_reason() is none -%}
    select current_events.*, 0 as session_offset
    from ({{ persona.events_unioned('owners') }}) as current_events
    where {{ persona.events_owner('current_events') }} in (
        select owners.owner from {{ persona.events_work_relation('owners') }} as owners
    )
    union all
    select * from {{ persona.events_work_relation('tail') }}
    {%- else -%}
    select all_events.*, 0 as session_offset from {{ ref('int_events_unioned') }} as all_events
    {%- endif -%}
{% endmacro %}


{#- A work table beside the events table (int_events_sessionized). -#}
{% macro events_work_relation(suffix) %}
    {%- set events = persona.node_relation('int_events_sessionized') -%}
    {{- return(api.Relation.create(database=events.database, schema=events.schema, identifier=events.identifier ~ '__' ~ suffix)) -}}
{% endmacro %}


{#- Whether a table exists now (a query: the tables of this file are made by hooks, after dbt listed
    the relations at the start). -#}
{% macro table_exists_now(relation) %}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = '" ~ relation.schema
        ~ "' and table_name = '" ~ relation.identifier ~ "' and table_catalog = current_database()"
    ).columns[0].values()[0] -%}
    {{- return(found | int > 0) -}}
{% endmacro %}


{% macro events_settings_digest() %}
    {#- top_paths_steps: int_session_paths keeps each session's path as that many steps -#}
    {%- set parts = [
        var('session_timeout_minutes'), var('one_id_lookup_order'), var('default_local_time_zone'), var('top_paths_steps')
    ] -%}
    {%- for source in var('identity_sources') if source['model'] in persona.events_channels() | map(attribute='model') | list -%}
        {%- do parts.append(source) -%}
    {%- endfor -%}
    {{- return(local_md5(tojson(parts))) -}}
{% endmacro %}


{% macro run_started_at_sql() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro events_daily_reason() %}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return('not executing') }}{%- endif -%}
    {%- if target.type != 'duckdb' -%}{{ return('the daily path runs on DuckDB only') }}{%- endif -%}
    {%- if not is_incremental() -%}{{ return('a first or full build') }}{%- endif -%}
    {%- if persona.raw_file_plan_relation() is none -%}
        {{ return('no raw file plan: a plain dbt build reads every raw file again (persona run writes the plan)') }}
    {%- endif -%}
    {%- set state = persona.events_work_relation('state') -%}
    {%- if not persona.table_exists_now(state) -%}{{ return('no earlier build kept its state') }}{%- endif -%}
    {%- set log = persona.node_relation('int_identifier_one_id_log') -%}
    {%- if not persona.table_exists_now(log) -%}{{ return('no identifier log') }}{%- endif -%}
    {%- set row = run_query(
        'select count(*), max(settings_digest), max(state.as_of_end_at) > (select as_of_end_at from '
        ~ ref('int_as_of_date') ~ ') from ' ~ state ~ ' as state'
    ).rows[0] -%}
    {%- if row[0] | int != 1 -%}{{ return('the kept state is not one row') }}{%- endif -%}
    {%- if row[1] != persona.events_settings_digest() -%}
        {{ return('the session settings or identity sources changed since the last build') }}
    {%- endif -%}
    {%- if row[2] -%}{{ return('the as-of date moved back') }}{%- endif -%}
    {%- set counts = api.Relation.create(database=persona.target_database(), schema=persona.node_relation('privacy_erased_identifiers').schema, identifier='erasure_purge_counts') -%}
    {%- if persona.table_exists_now(counts) -%}
        {%- set erased = run_query("select count(*) from " ~ counts ~ " where invocation_id = '" ~ invocation_id ~ "'").columns[0].values()[0] -%}
        {%- if erased | int > 0 -%}{{ return('this build applied an erasure') }}{%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- The pre-hook of int_events_sessionized (see the top). -#}
{% macro events_forget_owners() %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- set reason = persona.events_daily_reason() -%}
    {%- set run = persona.events_work_relation('run') -%}
    {%- set changes = persona.events_work_relation('changes') -%}
    {%- set owners = persona.events_work_relation('owners') -%}
    {%- set touched = persona.events_work_relation('touched') -%}
    {%- set incoming = persona.events_work_relation('incoming') -%}
    {%- set tail = persona.events_work_relation('tail') -%}
    {%- set state = persona.events_work_relation('state') -%}
    {%- set statements = [] -%}
    {%- if reason is not none -%}
        {{ log(this.identifier ~ ': sessionizes every event again (' ~ reason ~ ')', info=True) }}
        {%- do statements.append(
            'create or replace table ' ~ run ~ ' as select false as is_daily, cast(null as ' ~ dbt.type_timestamp() ~ ') as previous_built_at,'
            ~ ' cast(null as ' ~ dbt.type_timestamp() ~ ') as previous_as_of_end_at'
        ) -%}
        {%- do statements.append(
            'create or replace table ' ~ changes ~ ' as select cast(null as ' ~ dbt.type_string() ~ ') as event_id, cast(null as '
            ~ dbt.type_string() ~ ') as session_id, cast(null as ' ~ dbt.type_string() ~ ') as one_id where false'
        ) -%}
        {%- if is_incremental() -%}{%- do statements.append('delete from ' ~ this) -%}{%- endif -%}
        {{ return(statements | join(';\n')) }}
    {%- endif -%}
    {{ log(this.identifier ~ ': sessionizes again only the people and devices whose events the new files, identity changes or as-of date touched', info=True) }}
    {%- set log_table = persona.node_relation('int_identifier_one_id_log') -%}
    {%- set plan = persona.raw_file_plan_relation() -%}
    {%- do statements.append(
        'create or replace table ' ~ run ~ ' as select true as is_daily, state.built_at as previous_built_at,'
        ~ ' state.as_of_end_at as previous_as_of_end_at from ' ~ state ~ ' as state'
    ) -%}
    {#- 1. the events of the planned files and of the new as-of window, stored and current -#}
    {%- do statements.append(
        'create or replace table ' ~ touched ~ ' as select stored.event_id, stored.channel from ' ~ this
        ~ " as stored where stored._raw_file in (select '" ~ persona.raw_dir() ~ "/' || plan.path from " ~ plan ~ ' as plan)'
    ) -%}
    {%- do statements.append(
        'create or replace table ' ~ incoming ~ ' as select incoming.* from (' ~ persona.events_unioned('incoming') ~ ') as incoming'
    ) -%}
    {%- set owners_sql -%}
        with watermark as (
            select state.built_at from {{ state }} as state
        ),

        -- 2. every OneID an identifier changed since the last build had just before it or has since
        changed_identifiers as (
            select distinct logged.identifier_type, logged.identifier_value
            from {{ log_table }} as logged
            where logged.recorded_at > (select watermark.built_at from watermark)
        ),

        changed_one_ids as (
            select logged.one_id
            from {{ log_table }} as logged
            where logged.recorded_at > (select watermark.built_at from watermark)
            union
            select logged.one_id
            from {{ log_table }} as logged
            inner join (
                select earlier.identifier_type, earlier.identifier_value, max(earlier.recorded_at) as recorded_at
                from {{ log_table }} as earlier
                inner join changed_identifiers
                    on earlier.identifier_type = changed_identifiers.identifier_type
                    and earlier.identifier_value = changed_identifiers.identifier_value
                where earlier.recorded_at <= (select watermark.built_at from watermark)
                group by earlier.identifier_type, earlier.identifier_value
            ) as latest
                on logged.identifier_type = latest.identifier_type
                and logged.identifier_value = latest.identifier_value
                and logged.recorded_at = latest.recorded_at
        ),

        -- 1. events stored before and delivered again (a re-exported or withdrawn file, an event
        -- sent twice): their owners then and now; and events without any owner
        redelivered as (
            select stored.event_id, {{ persona.events_owner('stored') }} as owner
            from {{ this }} as stored
            where
                stored.event_id in (select touched.event_id from {{ touched }} as touched)
                or stored.event_id in (select incoming.event_id from {{ incoming }} as incoming)
        ),

        first_owners as (
            select changed_one_ids.one_id as owner from changed_one_ids where changed_one_ids.one_id is not null
            union
            select redelivered.owner from redelivered
            union
            select {{ persona.events_owner('incoming') }} as owner
            from {{ incoming }} as incoming
            where
                incoming.event_id in (select redelivered.event_id from redelivered)
                or {{ persona.events_owner('incoming') }} = ''
        )

        select first_owners.owner from first_owners
        union
        -- 3. the devices of those people's stored events (an event that loses its OneID goes back to its device)
        select coalesce(stored.device_key, '') as owner
        from {{ this }} as stored
        where stored.one_id in (select first_owners.owner from first_owners)
    {%- endset -%}
    {%- do statements.append('create or replace table ' ~ owners ~ ' as ' ~ owners_sql) -%}
    {%- do statements.append(
        'create or replace table ' ~ persona.events_work_relation('owner_identifiers') ~ ' as select clusters.identifier_type,'
        ~ ' clusters.identifier_value from ' ~ ref('int_identity_clusters') ~ ' as clusters where clusters.one_id in (select owners.owner from '
        ~ owners ~ ' as owners)'
    ) -%}
    {#- 3. and of their current events (an event that gains its OneID leaves its device) -#}
    {%- do statements.append(
        'insert into ' ~ owners ~ " select distinct coalesce(current_events.device_key, '') from (" ~ persona.events_unioned('owners')
        ~ ') as current_events where current_events.one_id in (select owners.owner from ' ~ owners ~ ' as owners)'
        ~ " and coalesce(current_events.device_key, '') not in (select owners.owner from " ~ owners ~ ' as owners)'
    ) -%}
    {#- 4. every other owner of a new event keeps its sessions before the new events: its tail -#}
    {%- do statements.extend(persona.events_tail_statements(owners, incoming, tail)) -%}
    {%- do statements.append(
        'create or replace table ' ~ changes ~ ' as select stored.event_id, stored.session_id, stored.one_id from ' ~ this ~ ' as stored'
        ~ ' where ' ~ persona.events_owner('stored') ~ ' in (select owners.owner from ' ~ owners ~ ' as owners)'
        ~ ' or stored.event_id in (select tail.event_id from ' ~ tail ~ ' as tail)'
    ) -%}
    {%- do statements.append(
        'delete from ' ~ this ~ ' as stored where stored.event_id in (select changes.event_id from ' ~ changes ~ ' as changes)'
    ) -%}
    {%- do statements.append('drop table ' ~ touched) -%}
    {%- do statements.append('drop table ' ~ incoming) -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{#- The statements that write `tail`: for every owner (channel and owner) with a new event that is
    not sessionized whole, its stored rows from the last session that began before its earliest new
    event, and its new events, each with the number of its sessions kept before them
    (session_offset). Sessions follow one another in time and every event of one instant falls in
    one session, so the stored events before the earliest new one span sessions 1..n: the tail
    starts at the first event of session n and numbers its sessions from n. -#}
{% macro events_tail_statements(owners, incoming, tail) %}
    {%- set offsets = persona.events_work_relation('tail_offsets') -%}
    {%- set columns = [
        'event_id', 'channel', 'one_id', 'device_key', 'event_name', 'event_type', 'product_id', 'search_term',
        'device_type', 'event_at', '_raw_file'
    ] -%}
    {%- set offsets_sql -%}
        with cuts as (
            select incoming.channel, {{ persona.events_owner('incoming') }} as owner, min(incoming.event_at) as cut_at
            from {{ incoming }} as incoming
            where {{ persona.events_owner('incoming') }} not in (select owners.owner from {{ owners }} as owners)
            group by incoming.channel, {{ persona.events_owner('incoming') }}
        ),

        -- the stored sessions before the earliest new event, and the time of the last event among them
        before_cut as (
            select cuts.channel, cuts.owner, max(stored.event_at) as last_at, count(distinct stored.session_id) as n_sessions
            from {{ this }} as stored
            inner join cuts
                on stored.channel = cuts.channel
                and {{ persona.events_owner('stored') }} = cuts.owner
            where stored.event_at < cuts.cut_at
            group by cuts.channel, cuts.owner
        ),

        last_sessions as (
            select before_cut.channel, before_cut.owner, before_cut.n_sessions, min(stored.session_id) as session_id
            from {{ this }} as stored
            inner join before_cut
                on stored.channel = before_cut.channel
                and {{ persona.events_owner('stored') }} = before_cut.owner
                and stored.event_at = before_cut.last_at
            group by before_cut.channel, before_cut.owner, before_cut.n_sessions
        )

        select
            cuts.channel,
            cuts.owner,
            cuts.cut_at,
            last_sessions.session_id as last_session_id,
            coalesce(last_sessions.n_sessions - 1, 0) as session_offset
        from cuts
        left join last_sessions
            on cuts.channel = last_sessions.channel
            and cuts.owner = last_sessions.owner
    {%- endset -%}
    {%- set tail_sql -%}
        select {% for column in columns %}stored.{{ column }}, {% endfor %}offsets.session_offset
        from {{ this }} as stored
        inner join {{ offsets }} as offsets
            on stored.channel = offsets.channel
            and {{ persona.events_owner('stored') }} = offsets.owner
        where stored.event_at >= offsets.cut_at or stored.session_id = offsets.last_session_id
        union all
        select {% for column in columns %}incoming.{{ column }}, {% endfor %}offsets.session_offset
        from {{ incoming }} as incoming
        inner join {{ offsets }} as offsets
            on incoming.channel = offsets.channel
            and {{ persona.events_owner('incoming') }} = offsets.owner
    {%- endset -%}
    {{- return([
        'create or replace table ' ~ offsets ~ ' as ' ~ offsets_sql,
        'create or replace table ' ~ tail ~ ' as ' ~ tail_sql,
        'drop table ' ~ offsets,
    ]) -}}
{% endmacro %}


{#- The post-hook of int_events_sessionized: the state the next build starts from. -#}
{% macro events_save_state() %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- set run = persona.events_work_relation('run') -%}
    {%- set owners = persona.events_work_relation('owners') -%}
    {%- if persona.table_exists_now(owners) -%}
        {#- the daily path: how much it did (this hook runs in the model's transaction, after the insert) -#}
        {%- set tail = persona.events_work_relation('tail') -%}
        {%- set counts = run_query(
            'select count(*) filter (where stored._built_at = ' ~ persona.run_started_at_sql() ~ '), count(*), (select count(*) from '
            ~ owners ~ '), (select count(*) from (select distinct tail.channel, ' ~ persona.events_owner('tail') ~ ' from ' ~ tail
            ~ ' as tail) as tails) from ' ~ this ~ ' as stored'
        ).rows[0] -%}
        {{ log(this.identifier ~ ': sessionized again ' ~ counts[0] ~ ' of ' ~ counts[1] ~ ' events, of ' ~ counts[2]
            ~ ' owners whole and ' ~ counts[3] ~ ' owners from their last session before a new event', info=True) }}
    {%- endif %}
    create or replace table {{ persona.events_work_relation('state') }} as
    select
        {{ persona.run_started_at_sql() }} as built_at,
        (select as_of.as_of_end_at from {{ ref('int_as_of_date') }} as as_of) as as_of_end_at,
        '{{ persona.events_settings_digest() }}' as settings_digest,
        -- on the daily path, __changes lists the rows this build removed since the build before
        {%- if persona.table_exists_now(run) %}
        coalesce((select run.is_daily from {{ run }} as run), false) as is_daily,
        (select run.previous_built_at from {{ run }} as run) as previous_built_at,
        (select run.previous_as_of_end_at from {{ run }} as run) as previous_as_of_end_at;
        {%- else %}
        false as is_daily,
        cast(null as {{ dbt.type_timestamp() }}) as previous_built_at,
        cast(null as {{ dbt.type_timestamp() }}) as previous_as_of_end_at;
        {%- endif %}
    create table if not exists {{ persona.events_work_relation('copies') }} (
        consumer {{ dbt.type_string() }}, built_at {{ dbt.type_timestamp() }}
    );
    drop table if exists {{ run }};
    drop table if exists {{ owners }};
    drop table if exists {{ persona.events_work_relation('owner_identifiers') }};
    drop table if exists {{ persona.events_work_relation('tail') }}
{% endmacro %}


{#- Whether a model that copies the events (fct_events, fct_sessions) can copy only the rows
    int_events_sessionized wrote in this invocation: it took the daily path, and this model copied
    the build before it. `reads`: the copying models this model reads, which must have copied this
    build already (a per-person model reads fct_events, so fct_events must be current). -#}
{% macro events_copy_follows(reads=[]) %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set state = persona.events_work_relation('state') -%}
    {%- set copies = persona.events_work_relation('copies') -%}
    {%- if not (persona.table_exists_now(state) and persona.table_exists_now(copies)) -%}{{ return(false) }}{%- endif -%}
    {%- set conditions = [
        "exists (select 1 from " ~ copies ~ " as copies where copies.consumer = '" ~ model.name ~ "' and copies.built_at = state.previous_built_at)"
    ] -%}
    {%- for name in reads -%}
        {%- do conditions.append(
            "exists (select 1 from " ~ copies ~ " as copies where copies.consumer = '" ~ name ~ "' and copies.built_at = state.built_at)"
        ) -%}
    {%- endfor -%}
    {%- set found = run_query(
        'select count(*) from ' ~ state ~ ' as state where state.is_daily and state.built_at = ' ~ persona.run_started_at_sql()
        ~ ' and ' ~ conditions | join(' and ')
    ).columns[0].values()[0] -%}
    {{ return(found | int == 1) }}
{% endmacro %}


{#- The rows a copying model reads: those int_events_sessionized wrote in this build when the model
    copies only those (events_copy_follows), else every row. -#}
{% macro events_copied_rows() %}
    select * from {{ ref('int_events_sessionized') }}
    {%- if persona.events_copy_follows() %}
    where _built_at = {{ persona.run_started_at_sql() }}
    {%- endif %}
{% endmacro %}


{#- The pre-hook of a copying model: forget the rows whose events the events table rewrote (by
    `key`: event_id or session_id), or every row when it copies all. -#}
{% macro events_copy_prepare(key) %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- if persona.events_copy_follows() -%}
        {{ log(this.identifier ~ ': copies only the events ' ~ persona.node_relation('int_events_sessionized').identifier ~ ' rewrote', info=True) }}
        {{ return('delete from ' ~ this ~ ' where ' ~ key ~ ' in (select changes.' ~ key ~ ' from ' ~ persona.events_work_relation('changes') ~ ' as changes)') }}
    {%- endif -%}
    {{ log(this.identifier ~ ': copies every event (the events table was rebuilt whole, or not in this build, or this table missed a build)', info=True) }}
    {{ return('delete from ' ~ this) }}
{% endmacro %}


{#- The post-hook of a copying model: every row carries today's as-of date (`set_as_of`: the model
    has an as_of_date column), and the model records which build of the events table it copied. -#}
{% macro events_copy_finish(set_as_of=true) %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- set people = persona.events_people_relation() -%}
    {%- if persona.table_exists_now(people) -%}
        {#- a per-person model's daily path: how much it did (the model's rows are in) -#}
        {%- set counts = run_query(
            'select (select count(*) from ' ~ people ~ '), (select count(distinct one_id) from ' ~ this ~ ')'
        ).rows[0] -%}
        {{ log(this.identifier ~ ': computed again ' ~ counts[0] ~ ' of ' ~ counts[1] ~ ' people', info=True) }}
    {%- endif -%}
    {%- set statements = ['drop table if exists ' ~ people] -%}
    {%- if set_as_of and is_incremental() -%}
        {%- do statements.append(
            'update ' ~ this ~ ' set as_of_date = (select as_of.as_of_date from ' ~ ref('int_as_of_date') ~ ' as as_of)'
            ~ ' where as_of_date is distinct from (select as_of.as_of_date from ' ~ ref('int_as_of_date') ~ ' as as_of)'
        ) -%}
    {%- endif -%}
    {%- set state = persona.events_work_relation('state') -%}
    {%- set copies = persona.events_work_relation('copies') -%}
    {%- if persona.table_exists_now(state) and persona.table_exists_now(copies) -%}
        {%- do statements.append('delete from ' ~ copies ~ " where consumer = '" ~ model.name ~ "'") -%}
        {%- do statements.append('insert into ' ~ copies ~ " select '" ~ model.name ~ "', state.built_at from " ~ state ~ ' as state') -%}
    {%- endif -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{#- The people a per-person model recomputes on a daily build (`<table>__people`, made by its pre-hook). -#}
{% macro events_people_relation() %}
    {{- return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__people')) -}}
{% endmacro %}


{#- A per-person model's settings, from its config: meta: {events_people: {...}}
    `reads`: the event marts it reads (default fct_events); `windows`: the days of its time windows
    (a feature over the last 7 days: 7); `unless_files`: raw folders of its other inputs (products),
    whose change sends it down the full path. -#}
{% macro events_people_settings() %}
    {%- set settings = {'reads': ['fct_events'], 'windows': [], 'unless_files': []} -%}
    {%- do settings.update((config.get('meta') or {}).get('events_people') or {}) -%}
    {{- return(settings) -}}
{% endmacro %}


{#- Whether a per-person model can recompute only some people: the events took the daily path in
    this invocation, the event marts it reads copied it, this model followed the build before, and
    no raw file of its other inputs is new, changed or removed. -#}
{% macro events_people_follow() %}
    {%- set settings = persona.events_people_settings() -%}
    {%- set unless_files = settings.unless_files -%}
    {%- if not persona.events_copy_follows(settings.reads) -%}{{ return(false) }}{%- endif -%}
    {%- if unless_files -%}
        {%- set plan = persona.raw_file_plan_relation() -%}
        {%- set conditions = [] -%}
        {%- for folder in unless_files -%}
            {%- do conditions.append("plan.path like '" ~ folder ~ "/%'") -%}
        {%- endfor -%}
        {%- set planned = run_query(
            'select count(*) from ' ~ plan ~ ' as plan where ' ~ conditions | join(' or ')
        ).columns[0].values()[0] -%}
        {%- if planned | int > 0 -%}{{ return(false) }}{%- endif -%}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}


{#- The pre-hook of a per-person model (one or more rows per OneID, from that person's events and
    sessions only): on a daily build, list the people whose rows may differ from the last build's
    (`<table>__people`) and delete their rows; else delete every row.
    The people: every OneID whose events int_events_sessionized rewrote, before (its __changes) and
    after (the rows it wrote), and every OneID with an event whose age crossed one of `windows`
    (days: a feature over the last K days) since the last build's as-of date. -#}
{% macro events_people_prepare() %}
    {%- if not execute or target.type != 'duckdb' or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set people = persona.events_people_relation() -%}
    {%- set windows = persona.events_people_settings().windows -%}
    {%- if not persona.events_people_follow() -%}
        {{ log(this.identifier ~ ': computes every person (the events were rebuilt whole, or not in this build, or an input changed)', info=True) }}
        {{ return('drop table if exists ' ~ people ~ ';\ndelete from ' ~ this) }}
    {%- endif -%}
    {%- set events = persona.node_relation('int_events_sessionized') -%}
    {%- set state = persona.events_work_relation('state') -%}
    {{ log(this.identifier ~ ': computes again only the people whose events changed'
        ~ (' or crossed ' ~ windows | join(', ') ~ ' days' if windows else ''), info=True) }}
    {%- set people_sql -%}
        select changes.one_id from {{ persona.events_work_relation('changes') }} as changes where changes.one_id is not null
        union
        -- one scan of the events: the rows this build wrote, and the events whose age reached one of
        -- the windows, i.e. dated on (previous as-of date - K days, as-of date - K days]
        select events.one_id
        from {{ events }} as events
        cross join {{ state }} as state
        where
            events.one_id is not null
            and (
                events._built_at = {{ persona.run_started_at_sql() }}
                {%- for days in windows %}
                or (
                    events.event_at >= {{ dbt.dateadd('day', -days, 'state.previous_as_of_end_at') }}
                    and events.event_at < {{ dbt.dateadd('day', -days, 'state.as_of_end_at') }}
                )
                {%- endfor %}
            )
    {%- endset -%}
    {{ return('create or replace table ' ~ people ~ ' as ' ~ people_sql ~ ';\ndelete from ' ~ this ~ ' where one_id in (select people.one_id from '
        ~ people ~ ' as people)') }}
{% endmacro %}


{#- In a per-person model's body: `and <alias>.one_id in (the people)` on a daily build, else nothing. -#}
{% macro events_people_filter(alias) %}
    {%- if persona.events_people_follow() -%}
        {{- return('and ' ~ alias ~ '.one_id in (select people.one_id from ' ~ persona.events_people_relation() ~ ' as people)') -}}
    {%- endif -%}
    {{- return('') -}}
{% endmacro %}
