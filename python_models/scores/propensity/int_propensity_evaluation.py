"""The propensity models judged on a time split (persona.models.propensity.evaluate).

Thin: reads the customer features at the propensity cutoffs (int_customer_features_at_cutoffs,
computed in SQL, with the labels) and the as-of date; each target (purchase_30d, churn_90d) and
candidate classifier is trained on an earlier window and judged on the window that ends on the
as-of date. Long format: summary rows (AUC, top-decile lift, Brier score, which classifier is
selected) and calibration rows (one per bin).
"""

from persona.models.features import load_feature_table
from persona.models.propensity import PropensitySettings, cutoffs, evaluate
from persona.models.runtime import as_of_date


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    features = load_feature_table(
        dbt.ref("int_customer_features_at_cutoffs"), cutoffs(as_of, settings, "evaluate")
    )
    return evaluate(features, as_of, settings)
