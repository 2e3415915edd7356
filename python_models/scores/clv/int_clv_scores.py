"""Per buyer as of the as-of date: expected purchases, P(alive), expected order value, CLV and its
tier, from the `as_of` fits (persona.models.clv.score)."""

from persona.models.clv import ClvSettings, score
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    summary = frame(dbt.ref("int_clv_customer_summaries"))
    fits = frame(dbt.ref("int_clv_fits"))
    return score(summary, fits, settings)
