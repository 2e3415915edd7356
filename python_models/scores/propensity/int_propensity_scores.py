"""Purchase and churn propensity per person as of the as-of date (persona.models.propensity.score).

Thin: each target's classifier selected by int_propensity_evaluation is retrained on the latest
complete window (features as of the as-of date minus the window, labels up to the as-of date) and
applied to the features as of the as-of date.
"""

from persona.models.propensity import PropensitySettings, score
from persona.models.runtime import as_of_date


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    people = dbt.ref("dim_customers").project(
        "one_id, cast(first_seen_at as date) as first_seen_on"
    )
    purchase_days = dbt.ref("int_customer_purchase_days").df()
    category_days = dbt.ref("int_customer_category_days").df()
    activity_days = dbt.ref("int_customer_activity_days").df()
    evaluation = dbt.ref("int_propensity_evaluation").df()
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    return score(
        people.df(), purchase_days, category_days, activity_days, evaluation, as_of, settings
    )
