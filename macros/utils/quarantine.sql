{#-
    Building blocks of the staging "base" models, which type every raw row and say whether it can be
    staged. Reason codes are documented in the seed `dq_reason_codes`.
-#}

{#- The whole raw row as JSON text, for the quarantine (personal data: not in public marts). -#}
{% macro row_to_json(relation_alias) %}
    {{- return(adapter.dispatch('row_to_json', 'persona')(relation_alias)) -}}
{% endmacro %}

{% macro default__row_to_json(relation_alias) -%}
    cast(to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__row_to_json(relation_alias) -%}
    cast(row_to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__row_to_json(relation_alias) -%}
    to_json(struct({{ relation_alias }}.*))
{%- endmacro %}


{#-
    The quarantine reason a timestamp gives, or null when it is usable:
    missing_timestamp (only when required), unparseable_timestamp, epoch_timestamp, future_timestamp.
-#}
{% macro timestamp_reason(raw_column, parsed, required=true) -%}
    case {{ persona.timestamp_status(raw_column, parsed) }}
        {%- if required %}
        when 'missing' then 'missing_timestamp'
        {%- endif %}
        when 'unparseable' then 'unparseable_timestamp'
        when 'epoch' then 'epoch_timestamp'
        when 'future' then 'future_timestamp'
    end
{%- endmacro %}


{#- The reason an amount gives: unparseable_amount when text is present but not a number,
    amount_out_of_range when it is a number but not a finite amount below var('max_abs_amount'). -#}
{% macro amount_reason(raw_column, required=true) -%}
    case
        {%- if required %}
        when {{ raw_column }} is null then 'missing_amount'
        {%- endif %}
        when {{ raw_column }} is not null
            and try_cast({{ raw_column }} as double) is null then 'unparseable_amount'
        when not abs(try_cast({{ raw_column }} as double)) < {{ var('max_abs_amount') }} then 'amount_out_of_range'
    end
{%- endmacro %}


{#-
    `content_hash(columns)`: one number per row from the cleaned raw values of `columns` (a list of
    names), equal for two rows exactly when their contents are equal. It tells a harmless repeat
    (at-least-once delivery) from two versions of one key that disagree, and picks a survivor among
    disagreeing copies without looking at file names. Delivery metadata (`ingested_at`: when a
    copy arrived) is not content: an event delivered twice is the same event.
-#}
{% macro content_hash(columns) %}
    {{- return(persona.key_hash(columns | reject('equalto', 'ingested_at') | list)) -}}
{% endmacro %}


{#-
    `key_hash(columns)`: one value per row from `columns` (a list of names or expressions), equal for
    two rows whose values are equal; two different rows share it only by a hash collision (about one
    chance in 2^64 per pair on DuckDB and Spark). Grouping or joining by it is much cheaper than by
    tens of millions of text keys, so the duplicate flags and the uniqueness test find candidates by
    it and then confirm them by the columns themselves. DuckDB: its 64-bit `hash`; Spark: `xxhash64`;
    elsewhere the md5 of the values joined by '|'.
-#}
{% macro key_hash(columns) %}
    {{- return(adapter.dispatch('key_hash', 'persona')(columns)) -}}
{% endmacro %}

{% macro default__key_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(" ~ dbt.safe_cast(column, dbt.type_string()) ~ ", '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro duckdb__key_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}


{#-
    `with_duplicate_flags(cte, key_columns, survivor_order)`: the last CTEs of a base model, ending
    in `final`: every row of `cte` with two columns over the rows that are not quarantined, by
    `key_columns`:
    - `is_duplicate`: true for every copy of a key but the survivor;
    - `has_conflicting_copies`: true for every copy of a key whose copies do not all have the same
      content (`_content_hash`), so one version wins over another: the losing copies are reported
      as `conflicting_duplicate` in the quarantine (int_raw_rows_quarantined).
    The survivor is the first copy by `survivor_order` (a table's own rule: the latest paid time,
    the latest launch date, a withdrawal over a grant; '' when the table has none), then by the
    content hash, so the choice between disagreeing copies never depends on file names or row order.
    File and row order only choose between copies whose contents are identical.
    Only the rows of keys held more than once are ordered (a window over every row sorted every
    column of tens of millions of events and spilled at 1M persons): the other rows are passed
    through. `cte` should be declared `as {{ persona.materialized() }}`: it is read three times.
-#}
{% macro with_duplicate_flags(cte, key_columns, survivor_order) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set key_hash = persona.key_hash(key_columns) -%}
    {%- if persona.reads_incoming() %}
-- a daily build (macros/raw/incremental_raw.sql): the new rows, and the rows already staged of every
-- key they share or that lost a row with a changed or removed file; their flags are computed again
incoming_and_earlier as {{ persona.materialized() }} (
    {{ persona.incoming_and_earlier_rows(cte, key_hash) }}
),
        {%- set cte = 'incoming_and_earlier' -%}
    {%- endif %}
    {%- set is_repeated -%}
        quarantine_reason is null
        and {{ key_hash }} in (select key_hash from repeated_key_hashes)
    {%- endset -%}
-- keys held by more than one usable row, found by a 64-bit hash of the key (grouping tens of
-- millions of text keys cost more than the rest of an event base model): only their rows are
-- ordered to find the survivor; a key that merely shares its hash with another is ordered too, alone
-- in its partition, and keeps is_duplicate false
repeated_key_hashes as (
    select {{ key_hash }} as key_hash
    from {{ cte }}
    where quarantine_reason is null
    group by {{ key_hash }}
    having count(*) > 1
),

final as (
    select
        *,
        false as is_duplicate,
        false as has_conflicting_copies
    from {{ cte }}
    where not ({{ is_repeated }})
    union all
    select
        *,
        row_number() over (
            partition by {{ keys }}
            order by {% if survivor_order %}{{ survivor_order }}, {% endif %}_content_hash, _raw_file, _raw_row_number
        ) > 1 as is_duplicate,
        min(_content_hash) over (partition by {{ keys }})
        != max(_content_hash) over (partition by {{ keys }}) as has_conflicting_copies
    from {{ cte }}
    where {{ is_repeated }}
)
{%- endmacro %}


{#- `materialized()`: `materialized` where a CTE can be declared so (DuckDB: computed once however
    often it is read), else nothing (Spark reuses a repeated subplan itself). -#}
{% macro materialized() %}
    {{- return(adapter.dispatch('materialized', 'persona')()) -}}
{% endmacro %}

{% macro default__materialized() -%}{%- endmacro %}

{% macro duckdb__materialized() -%}materialized{%- endmacro %}


{#- `not_materialized()`: `not materialized` where a CTE can be declared so (DuckDB: read again by
    each reference, not held whole), else nothing. For a wide CTE over millions of rows that several
    aggregates read: DuckDB would otherwise materialize it on its own and hold it at its memory limit. -#}
{% macro not_materialized() %}
    {{- return(adapter.dispatch('not_materialized', 'persona')()) -}}
{% endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}

{% macro duckdb__not_materialized() -%}not materialized{%- endmacro %}


{#-
    The raw tables and the staging models that stage them, in contract order. The quarantine and the
    reconciliation report iterate over this list; `rpt_raw_reconciliation` fails the build when a raw
    source is missing from it. `withheld_columns`: raw columns the quarantine's `raw_record` leaves
    out (an erasure request's identifier is never copied out of the raw view).
-#}
{% macro staged_raw_tables() %}
    {{- return([
        {'source': 'crm', 'table': 'crm_members', 'model': 'crm__members', 'key': 'member_version_id'},
        {'source': 'catalog', 'table': 'products', 'model': 'catalog__products', 'key': 'product_id'},
        {'source': 'web', 'table': 'web_events', 'model': 'web__events', 'key': 'event_id'},
        {'source': 'app', 'table': 'app_events', 'model': 'app__events', 'key': 'event_id'},
        {'source': 'miniprogram', 'table': 'miniprogram_events', 'model': 'miniprogram__events', 'key': 'event_id'},
        {'source': 'miniprogram', 'table': 'miniprogram_orders', 'model': 'miniprogram__orders', 'key': 'order_id'},
        {'source': 'miniprogram', 'table': 'miniprogram_order_items', 'model': 'miniprogram__order_items', 'key': 'order_item_id'},
        {'source': 'ecommerce', 'table': 'ecommerce_orders', 'model': 'ecommerce__orders', 'key': 'order_id'},
        {'source': 'ecommerce', 'table': 'ecommerce_order_items', 'model': 'ecommerce__order_items', 'key': 'order_item_id'},
        {'source': 'pos', 'table': 'pos_transactions', 'model': 'pos__transactions', 'key': 'txn_id'},
        {'source': 'pos', 'table': 'pos_transaction_items', 'model': 'pos__transaction_items', 'key': 'txn_item_id'},
        {'source': 'wecom', 'table': 'wecom_contacts', 'model': 'wecom__contacts', 'key': 'wecom_userid'},
        {'source': 'service', 'table': 'cs_tickets', 'model': 'service__tickets', 'key': 'ticket_id'},
        {'source': 'marketing', 'table': 'campaign_touches', 'model': 'marketing__campaign_touches', 'key': 'touch_id'},
        {'source': 'privacy', 'table': 'consent_events', 'model': 'privacy__consent_events', 'key': 'consent_event_id'},
        {'source': 'privacy', 'table': 'erasure_requests', 'model': 'privacy__erasure_requests', 'key': 'request_id',
         'withheld_columns': ['identifier_value']},
    ]) -}}
{% endmacro %}


{#- The quarantined and flagged rows of every staged raw table, and the losing copies of keys whose copies
    disagree (`conflicting_duplicate`, action `superseded`), as one `union all` (see int_raw_rows_quarantined). -#}
{% macro union_quarantined_rows() -%}
    {%- for table in persona.staged_raw_tables() %}
    select
        '{{ table.table }}' as source_table,
        base_rows.record_key,
        case
            when base_rows.quarantine_reason is not null then base_rows.quarantine_reason
            when base_rows.is_duplicate then 'conflicting_duplicate'
            else base_rows.flag_reason
        end as reason_code,
        case
            when base_rows.quarantine_reason is not null then 'quarantined'
            when base_rows.is_duplicate then 'superseded'
            else 'flagged'
        end as action,
        base_rows._raw_file as raw_file,
        base_rows._raw_row_number as raw_row_number,
        {{ persona.row_to_json('raw_rows') }} as raw_record
    {%- if table.get('withheld_columns') and execute %}
        {%- set kept = [] %}
        {%- for column in graph.sources['source.persona.' ~ table.source ~ '.' ~ table.table].columns
            if column not in table.withheld_columns %}
            {%- do kept.append(column) %}
        {%- endfor %}
    from (
        select {{ (kept + ['_raw_file', '_raw_row_number']) | join(', ') }}
        from {{ source(table.source, table.table) }}
    ) as raw_rows
    {%- else %}
    from {{ source(table.source, table.table) }} as raw_rows
    {%- endif %}
    -- the few rows set aside on the join's right (DuckDB builds its hash table there, profiles.yml):
    -- every raw row streams past them once instead of all of them being held
    inner join (
        select
            record_key,
            quarantine_reason,
            flag_reason,
            is_duplicate,
            _raw_file,
            _raw_row_number
        from {{ ref('base_' ~ table.model) }}
        where
            quarantine_reason is not null
            or (flag_reason is not null and not is_duplicate)
            or (is_duplicate and has_conflicting_copies)
    ) as base_rows
        on
            raw_rows._raw_file = base_rows._raw_file
            and raw_rows._raw_row_number = base_rows._raw_row_number
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- Row counts per staged raw table: in, staged, erased, quarantined, duplicate (of which conflicting),
    flagged (see rpt_raw_reconciliation). -#}
{% macro union_raw_row_counts() -%}
    {%- for table in persona.staged_raw_tables() %}
    select
        {{ loop.index }} as table_order,
        '{{ table.table }}' as source_table,
        '{{ table.source }}' as source_name,
        'stg_{{ table.model }}' as staging_model,
        (select count(*) from {{ source(table.source, table.table) }}) as rows_in,
        (select count(*) from {{ ref('stg_' ~ table.model) }}) as rows_staged,
        -- rows of people who asked to be erased never reach the base model (macros/privacy/erasure.sql)
        (select count(*) from {{ source(table.source, table.table) }})
        - (select count(*) from {{ ref('base_' ~ table.model) }}) as rows_erased,
        (select count(*) from {{ ref('base_' ~ table.model) }} where quarantine_reason is not null) as rows_quarantined,
        (select count(*) from {{ ref('base_' ~ table.model) }} where is_duplicate) as rows_duplicate,
        (
            select count(*) from {{ ref('base_' ~ table.model) }}
            where is_duplicate and has_conflicting_copies
        ) as rows_conflicting,
        (
            select count(*) from {{ ref('base_' ~ table.model) }}
            where quarantine_reason is null and not is_duplicate and flag_reason is not null
        ) as rows_flagged
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
