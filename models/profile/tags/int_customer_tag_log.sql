-- every person's tag values as an append-only change log (persona.history_log): a row when a tag's value
-- changes at a build, a removal row when the tag loses its value; tags with history: false are left out.
-- A daily build on DuckDB compares each person's values with the last build's, kept beside the log by its
-- post-hook (macros/tags/tag_log.sql), instead of with the whole log.
-- depends_on: {{ ref('int_customer_tag_values') }}
{{ config(pre_hook="{{ persona.tag_log_prepare() }}", post_hook="{{ persona.tag_log_save_values() }}") }}
{{ persona.history_log(
    ref('int_customer_tags_tracked'),
    unique_key=['one_id', 'tag_code'],
    check_cols=['tag_value'],
    carry_cols=['tag_category'],
    changes=persona.tag_log_changes() if persona.tag_log_previous_values() is not none else none,
) }}
