-- every person's tag values as an append-only change log (persona.history_log): a row when a tag's value
-- changes at a build, a removal row when the tag loses its value; tags with history: false are left out
{{ persona.history_log(
    ref('int_customer_tags_tracked'),
    unique_key=['one_id', 'tag_code'],
    check_cols=['tag_value'],
    carry_cols=['tag_category'],
) }}
