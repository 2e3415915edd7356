"""The clustering features of every buyer as of the as-of date
(persona.models.clusters.buyer_features).

Thin: reads the people and the day-level histories (models/scores/histories) and returns,
per buyer, the model features (log RFM, discount and coupon shares, log active days, channel and
category mix) and the readable profile columns.
"""

from persona.models.clusters import buyer_features
from persona.models.runtime import as_of_date


def model(dbt, session):
    dbt.config(materialized="table")
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    people = dbt.ref("dim_customers").df()
    return buyer_features(
        people,
        dbt.ref("int_customer_purchase_days").df(),
        dbt.ref("int_customer_category_days").df(),
        dbt.ref("int_customer_activity_days").df(),
        as_of,
    )
