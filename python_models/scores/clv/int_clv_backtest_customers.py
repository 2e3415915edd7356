"""The CLV backtest per customer: the calibration fit's predicted purchase days in the holdout
window against the actual ones (persona.models.clv.backtest)."""

from persona.models.clv import ClvSettings, backtest
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    summary = frame(dbt.ref("int_clv_customer_summaries"))
    fits = frame(dbt.ref("int_clv_fits"))
    return backtest(summary, fits, settings)
