"""The CLV backtest per customer: the calibration fit's predicted purchase days in the holdout
window against the actual ones (persona.models.clv.backtest)."""

from persona.models.clv import ClvSettings, backtest


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    summary = dbt.ref("int_clv_customer_summaries").df()
    fits = dbt.ref("int_clv_fits").df()
    return backtest(summary, fits, settings)
