"""Lookalike diagnostics per seed audience (persona.models.lookalike.diagnostics).

Thin: a share of each seed is held out, the classifier learns from the rest, and the recall at K of
the held-out members among everyone outside the training seed is measured against the base rate.
"""

from persona.models.lookalike import LookalikeSettings, diagnostics
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
    return diagnostics(
        people.df(), purchase_days, category_days, activity_days, seeds, as_of, settings
    )
