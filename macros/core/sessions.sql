{#-
    int_events_sessionized on a daily build (issue 17, item 4: facts incremental). A session is
    numbered within its owner's events (channel, session owner = the OneID, else the device key), so
    an owner's sessions change only when the owner's events do. On DuckDB the model is incremental
    (append): its pre-hook `forget_changed_session_owners` compares every event as it is now
    (int_events_unioned, a view) with the stored rows by event_id and lists the owners with an event
    that is new, gone (a withdrawn or corrected file, an erased person, the as-of date), changed in
    any column, or moved to another owner (OneID stitched or split it); it deletes those owners'
    rows, and the model sessionizes all events of those owners again and appends them. The other
    owners' rows are what a full build gives them: their events are the same. On Spark (no DELETE on
    its Parquet tables) and on --full-refresh the model is a table of every event. The delete, the
    list and the append run in the model's transaction, so a killed build changes nothing.
-#}
{% macro sessionized_events_config() %}
    {%- if target.type == 'duckdb' -%}
        {%- do config(
            materialized='incremental',
            incremental_strategy='append',
            on_schema_change='fail',
            pre_hook=["{{ persona.forget_changed_session_owners(ref('int_events_unioned')) }}"],
            post_hook=["{{ persona.drop_changed_session_owners() }}"],
        ) -%}
    {%- else -%}
        {%- do config(materialized='table') -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The table of the owners a daily build sessionizes again (dropped after the model). -#}
{% macro changed_session_owners_relation() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__changed_owners'})) }}
{% endmacro %}


{#- Pre-hook: list the owners whose events changed and delete their rows (see the top). -#}
{% macro forget_changed_session_owners(events_relation) %}
    {%- if not (execute and is_incremental()) -%}{{ return('') }}{%- endif -%}
    {%- set compared = ['channel', 'one_id', 'device_key', 'event_name', 'event_type', 'product_id',
        'search_term', 'device_type', 'event_at'] -%}
    {%- set changed = persona.changed_session_owners_relation() -%}
    create or replace table {{ changed }} as
    with now_events as (
        select *, coalesce(one_id, device_key) as session_owner from {{ events_relation }}
    ),

    compared as (
        select
            now_events.channel as now_channel,
            now_events.session_owner as now_owner,
            stored.channel as stored_channel,
            stored.session_owner as stored_owner
        from now_events
        full outer join {{ this }} as stored
            on now_events.event_id = stored.event_id
        where
            now_events.event_id is null
            or stored.event_id is null
            {%- for column in compared %}
            or now_events.{{ column }} is distinct from stored.{{ column }}
            {%- endfor %}
    )

    select now_channel as channel, now_owner as session_owner from compared where now_owner is not null
    union
    select stored_channel, stored_owner from compared where stored_owner is not null;

    delete from {{ this }} as stored
    using {{ changed }} as changed
    where stored.channel = changed.channel and stored.session_owner = changed.session_owner
{%- endmacro %}


{% macro drop_changed_session_owners() %}
    {%- if not (execute and is_incremental()) -%}{{ return('') }}{%- endif -%}
    drop table if exists {{ persona.changed_session_owners_relation() }}
{%- endmacro %}
