-- when each person entered and left each tag value, from the tag change log (one row per person, tag and value period)
-- incremental on DuckDB: a daily build recomputes the periods of the tags the log changed
-- (persona.history_versions_config)
{{ persona.history_versions_config(['one_id', 'tag_code']) }}
{%- set changed_since = persona.history_versions_watermark() %}

with versions as (
    select *
    from {{ persona.history_versions(ref('int_customer_tag_log'), ['one_id', 'tag_code'], changed_since) }} as versions
),

final as (
    select
        one_id,
        tag_code,
        tag_category,
        tag_value,
        valid_from,
        valid_to,
        valid_from_as_of_date,
        valid_to_as_of_date,
        valid_to is null as is_current
    from versions
)

select * from final
