-- audience membership as an append-only change log (persona.history_log): a row when a person enters an
-- audience, a removal row when they leave it. History only moves forward: a build as of an earlier date than
-- the last one logs nothing; a rebuild as of the same date (e.g. after a rule change) logs its changes on that date
{{ persona.history_log(
    ref('fct_audience_members'),
    unique_key=['audience_code', 'one_id'],
    forward_only=true,
) }}
