"""BG/NBD and Gamma-Gamma fitted on the customer summaries (persona.clv.fit_models).

Thin: one row per period (as_of, calibration) and model with the literature's parameter names,
the time unit, the log-likelihood, the customers used and the fit status.
"""

from persona.clv import ClvSettings, fit_models


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    as_of = dbt.ref("int_as_of_date").df()["as_of_date"].iloc[0]
    return fit_models(dbt.ref("int_clv_customer_summaries").df(), as_of, settings)
