"""The customer summaries the CLV models are fitted on (persona.models.clv.summaries).

Thin: reads the purchase days and the as-of date and returns, per buyer, frequency, recency, T and
monetary value twice: as of the as-of date (period `as_of`) and as of the as-of date minus the
holdout window (period `calibration`, with the holdout's actual purchase days).
"""

from persona.models.clv import ClvSettings, summaries
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    purchase_days = frame(dbt.ref("int_customer_purchase_days"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    return summaries(purchase_days, as_of, settings)
