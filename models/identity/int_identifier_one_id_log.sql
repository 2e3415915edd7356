-- identifier -> OneID history as an append-only change log (persona.history_log): a row when an identifier
-- joins, moves to another OneID, or is excluded or readmitted by a guard; a removal row when it leaves the data
{{ persona.history_log(
    ref('dim_identifiers'),
    unique_key=['identifier_type', 'identifier_value'],
    check_cols=['one_id', 'exclusion_reason'],
) }}
