"""Purchase and churn propensity per person as of the as-of date (persona.models.propensity.score).

Thin: each target's classifier selected by int_propensity_evaluation is retrained on the latest
complete window (features as of the as-of date minus the window, labels up to the as-of date) and
applied to the features as of the as-of date; the features and labels are the rows of
int_customer_features_at_cutoffs (computed in SQL).
"""

from persona.models.features import load_feature_table
from persona.models.propensity import PropensitySettings, cutoffs, score
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    features = load_feature_table(
        dbt.ref("int_customer_features_at_cutoffs"), cutoffs(as_of, settings, "score")
    )
    evaluation = frame(dbt.ref("int_propensity_evaluation"))
    return score(features, evaluation, as_of, settings)
