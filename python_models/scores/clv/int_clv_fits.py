"""BG/NBD and Gamma-Gamma fitted on the customer summaries (persona.models.clv.fit_models).

Thin: one row per period (as_of, calibration) and model with the literature's parameter names,
the time unit, the log-likelihood, the customers used and the fit status.
"""

from persona.models.clv import ClvSettings, fit_models
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClvSettings.from_meta(dbt.config.get("meta"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    return fit_models(frame(dbt.ref("int_clv_customer_summaries")), as_of, settings)
