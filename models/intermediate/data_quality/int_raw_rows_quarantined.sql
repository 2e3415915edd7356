-- one row per raw row that was quarantined (not staged) or flagged (staged with a warning)
{%- set tables = persona.staged_raw_tables() %}

with
{% for table in tables %}
{{ table.table }} as (
    select
        '{{ table.table }}' as source_table,
        record_key,
        coalesce(quarantine_reason, flag_reason) as reason_code,
        case when quarantine_reason is not null then 'quarantined' else 'flagged' end as action,
        raw_record
    from {{ ref('base_' ~ table.model) }}
    where
        quarantine_reason is not null
        or (flag_reason is not null and not is_duplicate)
),
{% endfor %}

unioned as (
    {%- for table in tables %}
    select * from {{ table.table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        {{ dbt.concat(['source_table', "':'", dbt.safe_cast(
            'row_number() over (partition by source_table order by record_key, raw_record)', dbt.type_string()
        )]) }} as quarantined_row_id,
        source_table,
        record_key,
        reason_code,
        action,
        raw_record
    from unioned
)

select * from final
