"""Customer features as of any cutoff date for the step-4 models (clusters, propensity, lookalike).

One function builds them from three day-level histories the warehouse provides
(models/scores/histories): purchase days per channel group, purchase days per category and
activity days on the web shop, app and mini-program. Because the histories are dated, the same
function gives the features as of the as-of date (scoring) and as of an earlier date (training on
a time split): a row dated after the cutoff is never read.

Inputs (pandas DataFrames; dates as datetime64 or date):
- people: one_id, first_seen_on - who exists; a person first seen after the cutoff is left out.
- purchase_days: one_id, purchase_on, channel_group, n_orders, n_coupon_orders, gross_amount,
  discount_amount, net_amount.
- category_days: one_id, purchase_on, category_l1, net_amount.
- activity_days: one_id, activity_on, n_events, n_product_views, n_add_to_carts.

Output: one row per person, indexed by one_id, numeric columns only (no nulls). Definitions:
- recency_days: days from the last purchase day to the cutoff (tenure_days + 1 for non-buyers);
- purchase_days_Nd / net_spend_Nd: distinct purchase days and net spend in the N days up to and
  including the cutoff (N in 30, 90, 365); purchase_days_total / net_spend_total: all history;
- log_recency, log_frequency, log_monetary: log(1 + x) of recency_days, purchase_days_365d,
  net_spend_365d (the "log RFM");
- average_order_value: net spend per purchase day (0 for non-buyers);
- discount_share: discount / gross amount over all purchases; coupon_share: orders with a coupon;
- channel_share__<group>: share of net spend per channel group (marketplace, own_mall, store);
- category_share__<category>: share of net spend per top-level category;
- active_days_30d / active_days_90d, events_90d, product_views_30d, add_to_carts_30d;
- days_since_last_activity: days from the last event day (tenure_days + 1 without events);
- tenure_days: days since the person was first seen; has_purchased: 1 when they ever bought.

Two sources give these features with one interface (`features(cutoff, categories)` and
`bought_after(cutoff, horizon)`, the propensity labels):
- `FeatureTable`: the warehouse's int_customer_features_at_cutoffs, which computes them once, in
  SQL, at every cutoff the models need (the as-of date and the propensity training and judging
  dates). The dbt Python models read it: one row per person and cutoff, no day-level history in
  pandas.
- `Histories`: the four inputs above in memory, computed here by `customer_features`, once per
  (cutoff, categories). It is the reference the SQL table is tested against, and the tests'
  hand-made data goes through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from persona.models.runtime import frame

CHANNEL_GROUPS = ("marketplace", "own_mall", "store")
WINDOWS = (30, 90, 365)


def _dated(frame: pd.DataFrame, column: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The rows dated on or before the cutoff, with `days_ago` (0 = the cutoff day), in one fixed
    order whatever order the warehouse delivered them in: floating-point sums depend on the order
    of their terms, and the same data must give the same features to the last bit."""
    dates = pd.to_datetime(frame[column])
    kept = frame.loc[dates <= cutoff].copy()
    kept["days_ago"] = (cutoff - dates[dates <= cutoff]).dt.days.astype(int)
    return kept.sort_values(list(frame.columns), kind="stable", ignore_index=True)


def _share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).fillna(0.0)


def customer_features(
    people: pd.DataFrame,
    purchase_days: pd.DataFrame,
    category_days: pd.DataFrame,
    activity_days: pd.DataFrame,
    cutoff,
    categories: list[str] | None = None,
) -> pd.DataFrame:
    """Features of every person first seen on or before `cutoff`, from data up to `cutoff`.

    `categories` fixes the category_share columns (pass the training run's list when scoring);
    by default every category in the data, sorted.
    """
    cutoff = pd.Timestamp(cutoff)
    first_seen = pd.to_datetime(people["first_seen_on"])
    population = people.loc[first_seen <= cutoff, ["one_id"]].drop_duplicates()
    out = pd.DataFrame(index=pd.Index(population["one_id"], name="one_id"))
    out["tenure_days"] = (cutoff - first_seen[first_seen <= cutoff]).dt.days.to_numpy()

    purchases = _dated(purchase_days, "purchase_on", cutoff)
    purchases = purchases[purchases["one_id"].isin(out.index)]
    per_day = purchases.groupby(["one_id", "days_ago"], as_index=False)[
        ["net_amount", "gross_amount", "discount_amount", "n_orders", "n_coupon_orders"]
    ].sum()
    buyers = per_day.groupby("one_id")
    out["recency_days"] = buyers["days_ago"].min()
    out["recency_days"] = out["recency_days"].fillna(out["tenure_days"] + 1)
    out["purchase_days_total"] = buyers.size()
    out["net_spend_total"] = buyers["net_amount"].sum()
    for window in WINDOWS:
        recent = per_day[per_day["days_ago"] < window].groupby("one_id")
        out[f"purchase_days_{window}d"] = recent.size()
        out[f"net_spend_{window}d"] = recent["net_amount"].sum()
    out = out.fillna(0.0)
    out["has_purchased"] = (out["purchase_days_total"] > 0).astype(float)
    out["average_order_value"] = _share(out["net_spend_total"], out["purchase_days_total"])
    totals = buyers[["gross_amount", "discount_amount", "n_orders", "n_coupon_orders"]].sum()
    totals = totals.reindex(out.index).fillna(0.0)
    out["discount_share"] = _share(totals["discount_amount"], totals["gross_amount"])
    out["coupon_share"] = _share(totals["n_coupon_orders"], totals["n_orders"])
    out["log_recency"] = np.log1p(out["recency_days"])
    out["log_frequency"] = np.log1p(out["purchase_days_365d"])
    out["log_monetary"] = np.log1p(out["net_spend_365d"].clip(lower=0))

    by_channel = purchases.pivot_table(
        index="one_id", columns="channel_group", values="net_amount", aggfunc="sum"
    ).reindex(index=out.index, columns=list(CHANNEL_GROUPS))
    channel_total = by_channel.fillna(0.0).sum(axis=1)
    for group in CHANNEL_GROUPS:
        out[f"channel_share__{group}"] = _share(by_channel[group].fillna(0.0), channel_total)

    lines = _dated(category_days, "purchase_on", cutoff)
    lines = lines[lines["one_id"].isin(out.index)]
    if categories is None:
        categories = sorted(lines["category_l1"].dropna().unique().tolist())
    by_category = lines.pivot_table(
        index="one_id", columns="category_l1", values="net_amount", aggfunc="sum"
    ).reindex(index=out.index, columns=categories)
    category_total = lines.groupby("one_id")["net_amount"].sum().reindex(out.index).fillna(0.0)
    for category in categories:
        out[f"category_share__{category}"] = _share(
            by_category[category].fillna(0.0).clip(lower=0), category_total.clip(lower=0)
        )

    activity = _dated(activity_days, "activity_on", cutoff)
    activity = activity[activity["one_id"].isin(out.index)]
    active = activity.groupby("one_id")
    last_active = active["days_ago"].min().reindex(out.index)
    out["days_since_last_activity"] = last_active.fillna(out["tenure_days"] + 1)
    for window in (30, 90):
        out[f"active_days_{window}d"] = (
            activity[activity["days_ago"] < window].groupby("one_id").size()
        )
    recent90 = activity[activity["days_ago"] < 90].groupby("one_id")
    recent30 = activity[activity["days_ago"] < 30].groupby("one_id")
    out["events_90d"] = recent90["n_events"].sum()
    out["product_views_30d"] = recent30["n_product_views"].sum()
    out["add_to_carts_30d"] = recent30["n_add_to_carts"].sum()
    out = out.fillna(0.0).astype(float)
    return out.sort_index()


def feature_categories(features: pd.DataFrame) -> list[str]:
    """The categories of a features frame's category_share columns, in column order."""
    prefix = "category_share__"
    return [column[len(prefix) :] for column in features.columns if column.startswith(prefix)]


@dataclass
class Histories:
    """The inputs of customer_features: people (one_id, first_seen_on) and the three day-level
    histories (see this module's docstring)."""

    people: pd.DataFrame
    purchase_days: pd.DataFrame
    category_days: pd.DataFrame
    activity_days: pd.DataFrame

    def __post_init__(self) -> None:
        self._cache: dict = {}

    def features(self, cutoff, categories: list[str] | None = None) -> pd.DataFrame:
        """customer_features as of `cutoff`, computed once per (cutoff, categories)."""
        key = (pd.Timestamp(cutoff), None if categories is None else tuple(categories))
        if key not in self._cache:
            self._cache[key] = customer_features(
                self.people,
                self.purchase_days,
                self.category_days,
                self.activity_days,
                cutoff,
                categories=categories,
            )
        return self._cache[key]

    def bought_after(self, cutoff, horizon: int) -> set:
        """The one_ids with a purchase day in (cutoff, cutoff + horizon] - nothing else is read."""
        return buyers_between(
            self.purchase_days, cutoff, pd.Timestamp(cutoff) + pd.Timedelta(days=horizon)
        )


def buyers_between(purchase_days: pd.DataFrame, start, end) -> set:
    """The one_ids with a purchase day in the window (start, end] - nothing outside it is read."""
    dates = pd.to_datetime(purchase_days["purchase_on"])
    inside = (dates > pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    return set(purchase_days.loc[inside, "one_id"])


KEY_COLUMNS = ("cutoff_on", "one_id")
LABEL_PREFIX = "purchase_days_next_"
CATEGORY_PREFIX = "category_share__"


class FeatureTable:
    """customer_features at the cutoffs the warehouse computed (int_customer_features_at_cutoffs:
    cutoff_on, one_id, the feature columns in customer_features' order, and the labels
    purchase_days_next_<h>d, null while the window after the cutoff is not over)."""

    def __init__(self, frame: pd.DataFrame | None, cutoffs=None, relation=None) -> None:
        """`frame`: the table's rows in memory; or None and `relation`, a dbt relation of the
        table read one cutoff at a time (see `load_feature_table`). `cutoffs`: the cutoffs read
        from the table; one without rows is an empty population (nobody first seen by then), not a
        cutoff the table lacks."""
        columns = list(frame.columns if frame is not None else relation.columns)
        missing = {*KEY_COLUMNS, "has_purchased"} - set(columns)
        if missing:
            raise ValueError(
                f"the features table lacks {sorted(missing)}: expected the columns of "
                "int_customer_features_at_cutoffs"
            )
        read = {pd.Timestamp(cutoff) for cutoff in cutoffs or []}
        if frame is not None:
            if not pd.api.types.is_datetime64_any_dtype(frame["cutoff_on"]):
                frame = frame.assign(cutoff_on=pd.to_datetime(frame["cutoff_on"]))
            read |= set(pd.to_datetime(frame["cutoff_on"].unique()))
        self.frame = frame  # not copied: at 1M persons a cutoff's rows are ~300 MB
        self._relation = relation
        self._columns = columns
        self._cutoffs = sorted(read)
        self._last: tuple[pd.Timestamp, pd.DataFrame] | None = None
        self.feature_columns = [
            c for c in columns if c not in KEY_COLUMNS and not c.startswith(LABEL_PREFIX)
        ]

    def cutoffs(self) -> list[pd.Timestamp]:
        return list(self._cutoffs)

    def _read(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        """The rows of one cutoff: from the frame, or one query of the relation (the last
        cutoff read is kept, so features and labels of one cutoff read it once)."""
        if self._relation is None:
            return self.frame[self.frame["cutoff_on"] == cutoff]
        if self._last is None or self._last[0] != cutoff:
            self._last = None  # the previous cutoff's rows go before the next ones arrive
            rows = frame(self._relation.filter(f"cutoff_on = DATE '{cutoff.date()}'"))
            self._last = (cutoff, rows)
        return self._last[1]

    def _rows(self, cutoff) -> pd.DataFrame:
        cutoff = pd.Timestamp(cutoff)
        if cutoff not in self._cutoffs:
            known = ", ".join(str(c.date()) for c in self.cutoffs()) or "none"
            raise ValueError(
                f"no customer features as of {cutoff.date()}: int_customer_features_at_cutoffs "
                f"has the cutoffs {known} (the as-of date and the propensity horizons before it)"
            )
        return self._read(cutoff).set_index("one_id").sort_index()

    def features(self, cutoff, categories: list[str] | None = None) -> pd.DataFrame:
        """The features as of `cutoff`, indexed by one_id; `categories` fixes the category_share
        columns (a category the table lacks is all zeros), else every category of the table."""
        out = self._rows(cutoff)[self.feature_columns].astype(float)
        if categories is not None:
            columns = [c for c in out.columns if not c.startswith(CATEGORY_PREFIX)]
            at = columns.index("days_since_last_activity")
            wanted = [f"{CATEGORY_PREFIX}{category}" for category in categories]
            shares = out.reindex(columns=wanted, fill_value=0.0)
            out = pd.concat([out[columns[:at]], shares, out[columns[at:]]], axis=1)
        return out

    def bought_after(self, cutoff, horizon: int) -> set:
        """The one_ids with a purchase day in (cutoff, cutoff + horizon]."""
        column = f"{LABEL_PREFIX}{horizon}d"
        if column not in self._columns:
            raise ValueError(
                f"int_customer_features_at_cutoffs has no {column}: its horizons come from the "
                "vars propensity_purchase_days and propensity_churn_days"
            )
        rows = self._rows(cutoff)
        labels = rows[column]
        if labels.isna().any():
            raise ValueError(
                f"the {horizon} days after {pd.Timestamp(cutoff).date()} are not over by the "
                "as-of date: no label"
            )
        return set(labels.index[labels > 0])


def load_feature_table(relation, cutoffs) -> FeatureTable:
    """The FeatureTable of a dbt relation of int_customer_features_at_cutoffs for `cutoffs`. It
    reads one cutoff's rows at a time, when a model asks for them: at 1M persons a cutoff is ~2M
    rows, and the propensity evaluation needs four (issue 15: the build's memory peaked while two
    Python models held every cutoff they use at once)."""
    return FeatureTable(None, cutoffs, relation=relation)
