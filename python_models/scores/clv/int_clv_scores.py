"""Per buyer as of the as-of date: expected purchases, P(alive), expected order value, CLV and its
tier, from the `as_of` fits (persona.models.clv.score)."""

from persona.models.clv import ClvSettings, score


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    summary = dbt.ref("int_clv_customer_summaries").df()
    fits = dbt.ref("int_clv_fits").df()
    return score(summary, fits, settings)
