"""The propensity models judged on a time split (persona.models.propensity.evaluate).

Thin: reads the customers, the day-level histories and the as-of date; each target (purchase_30d,
churn_90d) and candidate classifier is trained on an earlier window and judged on the window that
ends on the as-of date. Long format: summary rows (AUC, top-decile lift, Brier score, which
classifier is selected) and calibration rows (one per bin).
"""

from persona.models.propensity import PropensitySettings, evaluate
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
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    return evaluate(people.df(), purchase_days, category_days, activity_days, as_of, settings)
