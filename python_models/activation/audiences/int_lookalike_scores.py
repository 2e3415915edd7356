"""Lookalike expansion per seed audience (persona.models.lookalike.score).

Thin: a seed-vs-rest classifier learns each seed audience of int_lookalike_seeds on the customer
features as of the as-of date and ranks every non-member; the top expansion_size are selected
(fct_audience_members adds them as the audience '<seed>_lookalike').
"""

from persona.models.lookalike import LookalikeSettings, score
from persona.models.runtime import as_of_date


def model(dbt, session):
    dbt.config(materialized="table")
    settings = LookalikeSettings.from_meta(dbt.config.get("meta"))
    people = dbt.ref("dim_customers").project(
        "one_id, cast(first_seen_at as date) as first_seen_on"
    )
    purchase_days = dbt.ref("int_customer_purchase_days").df()
    category_days = dbt.ref("int_customer_category_days").df()
    activity_days = dbt.ref("int_customer_activity_days").df()
    seeds = dbt.ref("int_lookalike_seeds").df()
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    return score(people.df(), purchase_days, category_days, activity_days, seeds, as_of, settings)
