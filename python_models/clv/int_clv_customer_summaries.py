"""The customer summaries the CLV models are fitted on (persona.clv.summaries).

Thin: reads the purchase days and the as-of date and returns, per buyer, frequency, recency, T and
monetary value twice: as of the as-of date (period `as_of`) and as of the as-of date minus the
holdout window (period `calibration`, with the holdout's actual purchase days).
"""

from persona.clv import ClvSettings, summaries


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    purchase_days = dbt.ref("int_customer_purchase_days").df()
    as_of = dbt.ref("int_as_of_date").df()["as_of_date"].iloc[0]
    return summaries(purchase_days, as_of, settings)
