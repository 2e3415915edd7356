"""Propensity models: purchase in the next 30 days and churn (no purchase in the next 90 days).

Both are binary classifiers (scikit-learn) on the shared customer features
(persona.models.features.customer_features) and are trained on a time split, so that a model
never sees the period it is judged on:

- evaluation (int_propensity_evaluation): features as of as_of - 2h, labels from the window
  (as_of - 2h, as_of - h]; judged on features as of as_of - h against labels from (as_of - h, as_of]
  -> AUC, top-decile lift, Brier score and calibration bins. Each candidate classifier is judged
  and the one with the higher held-out AUC is marked `is_selected`;
- scoring (int_propensity_scores): the selected classifier retrained on features as of as_of - h
  with labels from (as_of - h, as_of], applied to the features as of the as-of date.

h is the target's window: 30 days for purchase_30d, 90 days for churn_90d. Populations: purchase =
everyone first seen on or before the cutoff; churn = the buyers (a purchase day on or before the
cutoff); churned = no purchase day in the next h days. A row dated after a frame's cutoff is never
read (customer_features drops it; the labels read only their own window).

The features and labels come from a source with `features(cutoff, categories)` and
`bought_after(cutoff, horizon)`: the warehouse's int_customer_features_at_cutoffs
(persona.models.features.FeatureTable) in the build, in-memory `Histories` in the tests.

Candidates: `logistic` (LogisticRegression on standardised features) and `gradient_boosting`
(HistGradientBoostingClassifier), both with a fixed random_state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from persona.models.features import FeatureTable, Histories, feature_categories
from persona.models.runtime import single_threaded, typed

TARGETS = ("purchase_30d", "churn_90d")
CLASSIFIERS = ("logistic", "gradient_boosting")
RANDOM_STATE = 42


def _parse_mapping(value) -> dict:
    if isinstance(value, str):
        value = json.loads(value.replace("'", '"'))
    return {str(k): float(v) for k, v in dict(value).items()}


@dataclass(frozen=True)
class PropensitySettings:
    purchase_days: int = 30
    churn_days: int = 90
    min_customers: int = 50
    min_positives: int = 10
    calibration_bins: int = 10
    purchase_intent_top_percent: tuple[tuple[str, float], ...] = (("high", 10), ("medium", 30))
    churn_risk_top_percent: tuple[tuple[str, float], ...] = (("high", 20), ("medium", 50))
    max_training_rows: int = 200_000

    def horizon(self, target: str) -> int:
        return {"purchase_30d": self.purchase_days, "churn_90d": self.churn_days}[target]

    @classmethod
    def from_meta(cls, meta: dict) -> PropensitySettings:
        """Settings from a dbt Python model's `meta.propensity_settings` (values may be strings),
        which the YAML fills from the propensity_* vars of dbt_project.yml."""
        values = (meta or {}).get("propensity_settings")
        if not values:
            raise ValueError(
                "the propensity model's YAML must set config.meta.propensity_settings "
                "(see python_models/scores/propensity/_propensity__python_models.yml)"
            )
        return cls(
            purchase_days=int(values["purchase_days"]),
            churn_days=int(values["churn_days"]),
            min_customers=int(values["min_customers"]),
            min_positives=int(values["min_positives"]),
            calibration_bins=int(values["calibration_bins"]),
            purchase_intent_top_percent=tuple(
                _parse_mapping(values["purchase_intent_top_percent"]).items()
            ),
            churn_risk_top_percent=tuple(_parse_mapping(values["churn_risk_top_percent"]).items()),
            max_training_rows=int(values["max_training_rows"]),
        )


# ---------------------------------------------------------------------------------------------
# labels and datasets


FeatureSource = FeatureTable | Histories


def cutoffs(as_of, settings: PropensitySettings, stage: str) -> list[pd.Timestamp]:
    """The dates a stage reads features as of: `evaluate` as_of - h and as_of - 2h, `score` the
    as-of date and as_of - h, for the horizon h of each target (see the module docstring)."""
    multiples = {"evaluate": (1, 2), "score": (0, 1)}[stage]
    days = {k * settings.horizon(target) for target in TARGETS for k in multiples}
    return [pd.Timestamp(as_of) - pd.Timedelta(days=d) for d in sorted(days)]


def dataset(
    source: FeatureSource,
    target: str,
    cutoff,
    horizon: int,
    categories: list[str] | None = None,
    with_labels: bool = True,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Features as of `cutoff` for the target's population, and (with_labels) the label from the
    window (cutoff, cutoff + horizon]: 1 = bought (purchase_30d) or did not buy (churn_90d)."""
    cutoff = pd.Timestamp(cutoff)
    features = source.features(cutoff, categories)
    if target == "churn_90d":
        features = features[features["has_purchased"] > 0]
    elif target != "purchase_30d":
        raise ValueError(f"unknown propensity target {target!r}; expected one of {TARGETS}")
    if not with_labels:
        return features, None
    bought = features.index.isin(list(source.bought_after(cutoff, horizon)))
    label = bought if target == "purchase_30d" else ~bought
    return features, pd.Series(label.astype(int), index=features.index, name=target)


def training_sample(
    features: pd.DataFrame, labels: pd.Series, settings: PropensitySettings
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows a classifier is fitted on: all of them up to settings.max_training_rows, else a
    fixed-seed random sample of that many (in their original order). A classifier on ~30 features
    learns as well from 200,000 people as from a million; it still scores everyone."""
    if len(features) <= settings.max_training_rows:
        return features, labels
    rng = np.random.RandomState(RANDOM_STATE)
    keep = np.sort(rng.choice(len(features), size=settings.max_training_rows, replace=False))
    return features.iloc[keep], labels.iloc[keep]


def make_classifier(name: str):
    """A fresh, unfitted candidate classifier with a fixed random_state."""
    if name == "logistic":
        return make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=2000, random_state=RANDOM_STATE)
        )
    if name == "gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=RANDOM_STATE,
        )
    raise ValueError(f"unknown classifier {name!r}; expected one of {CLASSIFIERS}")


def trainable(labels: pd.Series, settings: PropensitySettings) -> tuple[str, str]:
    """('ok', '') when a set is large enough to fit or judge, else a status and its detail."""
    n, positives = len(labels), int(labels.sum())
    if n < settings.min_customers:
        return "too_few_customers", f"{n} customers; need {settings.min_customers}"
    if min(positives, n - positives) < settings.min_positives:
        return (
            "too_few_positives",
            f"{positives} positive and {n - positives} negative labels; need "
            f"{settings.min_positives} of each",
        )
    return "ok", ""


# ---------------------------------------------------------------------------------------------
# metrics


def top_decile_lift(labels, scores, share: float = 0.1) -> float:
    """Positive rate among the top `share` of people by score (ceil(share * n) people, ties
    broken by position) divided by the overall positive rate; NaN without positives."""
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    overall = labels.mean() if len(labels) else np.nan
    if not overall:
        return float("nan")
    top = int(np.ceil(share * len(labels)))
    order = np.argsort(-scores, kind="stable")[:top]
    return float(labels[order].mean() / overall)


def calibration_bins(labels, scores, n_bins: int = 10) -> pd.DataFrame:
    """Equal-headcount bins by predicted probability (bin 1 = the highest predictions): people,
    mean predicted probability and observed positive rate per bin."""
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    bins = np.empty(len(scores), dtype=int)
    bins[order] = np.arange(len(scores)) * n_bins // max(len(scores), 1) + 1
    frame = pd.DataFrame({"bin": bins, "predicted": scores, "observed": labels})
    table = frame.groupby("bin").agg(
        n_customers=("observed", "size"),
        mean_predicted=("predicted", "mean"),
        observed_rate=("observed", "mean"),
    )
    return table.reset_index()


def metrics(labels, scores) -> dict:
    """AUC, top-decile lift and Brier score of probabilities `scores` against 0/1 `labels`."""
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "top_decile_lift": top_decile_lift(labels, scores),
        "brier_score": float(brier_score_loss(labels, scores)),
    }


# ---------------------------------------------------------------------------------------------
# evaluation (time split)

EVALUATION_COLUMNS = [
    "target",
    "classifier",
    "section",
    "train_cutoff_on",
    "test_cutoff_on",
    "horizon_days",
    "n_train",
    "n_test",
    "train_positive_rate",
    "test_positive_rate",
    "auc",
    "top_decile_lift",
    "brier_score",
    "is_selected",
    "status",
    "status_detail",
    "calibration_bin",
    "bin_customers",
    "bin_mean_predicted",
    "bin_observed_rate",
]


def _evaluate_target(source: FeatureSource, target: str, as_of, settings) -> list[dict]:
    horizon = settings.horizon(target)
    test_cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=horizon)
    train_cutoff = test_cutoff - pd.Timedelta(days=horizon)
    x_train, y_train = dataset(source, target, train_cutoff, horizon)
    categories = feature_categories(x_train)
    x_test, y_test = dataset(source, target, test_cutoff, horizon, categories)
    base = {
        "target": target,
        "section": "summary",
        "train_cutoff_on": train_cutoff.date(),
        "test_cutoff_on": test_cutoff.date(),
        "horizon_days": horizon,
        "n_train": len(y_train),
        "n_test": len(y_test),
        "train_positive_rate": float(y_train.mean()) if len(y_train) else np.nan,
        "test_positive_rate": float(y_test.mean()) if len(y_test) else np.nan,
        "is_selected": False,
    }
    status, detail = trainable(y_train, settings)
    if status == "ok":
        status, detail = trainable(y_test, settings)
        detail = f"held-out period: {detail}" if detail else ""
    else:
        detail = f"training period: {detail}"
    if status != "ok":
        return [{**base, "classifier": None, "status": status, "status_detail": detail}]
    rows = []
    x_fit, y_fit = training_sample(x_train, y_train, settings)
    for name in CLASSIFIERS:
        with single_threaded():
            model = make_classifier(name).fit(x_fit.to_numpy(), y_fit.to_numpy())
            scores = model.predict_proba(x_test[x_train.columns].to_numpy())[:, 1]
        rows.append(
            {**base, "classifier": name, "status": "evaluated", "status_detail": ""}
            | metrics(y_test, scores)
        )
        for _, bin_row in calibration_bins(y_test, scores, settings.calibration_bins).iterrows():
            rows.append(
                {
                    **base,
                    "classifier": name,
                    "section": "calibration",
                    "status": "evaluated",
                    "status_detail": "",
                    "calibration_bin": int(bin_row["bin"]),
                    "bin_customers": int(bin_row["n_customers"]),
                    "bin_mean_predicted": float(bin_row["mean_predicted"]),
                    "bin_observed_rate": float(bin_row["observed_rate"]),
                }
            )
    summaries = [row for row in rows if row["section"] == "summary"]
    best = max(summaries, key=lambda row: (row["auc"], -CLASSIFIERS.index(row["classifier"])))
    for row in rows:
        row["is_selected"] = row["classifier"] == best["classifier"]
    return rows


def evaluate(source: FeatureSource, as_of, settings: PropensitySettings) -> pd.DataFrame:
    """The time-split evaluation of every target and candidate classifier, long format: one
    `summary` row per (target, classifier) with AUC, top-decile lift and Brier score on the
    held-out period, and `calibration` rows per bin. A target that cannot be fitted or judged gets
    one summary row with classifier null and status too_few_customers / too_few_positives."""
    rows = []
    for target in TARGETS:
        rows.extend(_evaluate_target(source, target, as_of, settings))
    frame = pd.DataFrame(rows).reindex(columns=EVALUATION_COLUMNS)
    frame["is_selected"] = frame["is_selected"].fillna(False).astype(bool)
    frame["status_detail"] = frame["status_detail"].fillna("")
    numeric = [
        c for c in EVALUATION_COLUMNS[5:] if c not in ("is_selected", "status", "status_detail")
    ]
    frame[numeric] = frame[numeric].astype(float)
    return typed(frame, ["target", "classifier", "section", "status", "status_detail"])


def selected_classifiers(evaluation: pd.DataFrame) -> dict[str, str]:
    """The selected classifier per target from an evaluation frame (targets that could not be
    evaluated are absent)."""
    chosen = evaluation[
        (evaluation["section"] == "summary") & evaluation["is_selected"].astype(bool)
    ]
    return dict(zip(chosen["target"], chosen["classifier"], strict=True))


# ---------------------------------------------------------------------------------------------
# scoring


def bands(scores: pd.Series, top_percent: tuple[tuple[str, float], ...], last: str = "low"):
    """Band per person by rank of score (highest first, ties by one_id): the first band while the
    rank is within its cumulative top percent, ... , else `last`. Null scores stay null."""
    valid = scores.dropna()
    frame = pd.DataFrame({"one_id": valid.index, "score": valid.to_numpy()})
    frame = frame.sort_values(["score", "one_id"], ascending=[False, True], kind="stable")
    rank = pd.Series(np.arange(1, len(frame) + 1), index=frame["one_id"].to_numpy())
    share = rank / max(len(rank), 1) * 100
    out = pd.Series(last, index=rank.index, dtype=object)
    for name, percent in sorted(top_percent, key=lambda item: -item[1]):
        out[share <= percent] = name
    deciles = ((rank - 1) * 10 // max(len(rank), 1) + 1).astype(int)
    return out.reindex(scores.index), deciles.reindex(scores.index)


def score(
    source: FeatureSource, evaluation: pd.DataFrame, as_of, settings: PropensitySettings
) -> pd.DataFrame:
    """Per person first seen on or before the as-of date: purchase_30d_probability and
    churn_90d_probability (null for non-buyers), their bands and deciles (1 = most likely). Each
    target uses the classifier the evaluation selected, retrained on features as of as_of - h
    with labels from (as_of - h, as_of]. A target without a selected classifier, or whose
    training set is too small, stays null."""
    as_of = pd.Timestamp(as_of)
    chosen = selected_classifiers(evaluation)
    current = source.features(as_of)
    # the as-of date's categories for training too (a category new since then is all zeros there)
    categories = feature_categories(current)
    current = source.features(as_of, categories)
    out = pd.DataFrame(index=current.index)
    out["is_buyer"] = current["has_purchased"] > 0
    probability = {}
    for target in TARGETS:
        probability[target] = pd.Series(np.nan, index=current.index)
        if target not in chosen:
            continue
        horizon = settings.horizon(target)
        x_train, y_train = dataset(
            source, target, as_of - pd.Timedelta(days=horizon), horizon, categories
        )
        if trainable(y_train, settings)[0] != "ok":
            continue
        x_now, _ = dataset(source, target, as_of, horizon, categories, with_labels=False)
        x_fit, y_fit = training_sample(x_train, y_train, settings)
        with single_threaded():
            model = make_classifier(chosen[target]).fit(x_fit.to_numpy(), y_fit.to_numpy())
            predicted = model.predict_proba(x_now[x_train.columns].to_numpy())[:, 1]
        probability[target].loc[x_now.index] = predicted
    out["purchase_30d_probability"] = probability["purchase_30d"]
    out["churn_90d_probability"] = probability["churn_90d"]
    out["purchase_intent"], out["purchase_decile"] = bands(
        out["purchase_30d_probability"], settings.purchase_intent_top_percent
    )
    out["churn_risk"], out["churn_decile"] = bands(
        out["churn_90d_probability"], settings.churn_risk_top_percent
    )
    for target, column in (
        ("purchase_30d", "purchase_classifier"),
        ("churn_90d", "churn_classifier"),
    ):
        out[column] = np.where(probability[target].notna(), chosen.get(target), None)
    out = out.reset_index()
    for column in ("purchase_decile", "churn_decile"):
        out[column] = out[column].astype("Int64")
    text = ["one_id", "purchase_intent", "churn_risk", "purchase_classifier", "churn_classifier"]
    return typed(out, text)
