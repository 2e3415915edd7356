{{ config(materialized="view") }}
-- web, app and mini-program events in one shape, with their OneID, device and raw file, up to the as-of date
-- a view: int_events_sessionized is the table the event rows are kept in (the SQL: macros/core/events_daily.sql,
-- whose daily path reads the same SQL for a few owners only)
{{ persona.events_unioned('all') }}
