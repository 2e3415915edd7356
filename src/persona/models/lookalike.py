"""Lookalike expansion: find the people who look most like a seed audience.

For every seed audience (int_lookalike_seeds: seed_audience_code, expansion_audience_code,
expansion_size, one_id) a classifier learns seed members (1) against everyone else (0) on the
shared customer features as of the as-of date (persona.models.features.customer_features). The
non-members are unlabeled rather than true negatives (positive-unlabeled learning): the people
the classifier scores highest among them are those most like the seed, and the top
`expansion_size` form the expansion audience.

Classifier: LogisticRegression with class_weight='balanced' on standardised features (the seed is
a few percent of the population; balancing keeps the seed's side of the boundary from vanishing),
fixed random_state. Its scores are a ranking, not calibrated probabilities.

Diagnostics: a share of the seed members (holdout_share, fixed seed) is held out and treated as
unlabeled while the classifier learns from the rest; the held-out members should then rank near
the top of everyone outside the training seed. recall@K = held-out members within the top K /
held-out members; base rate = K / candidates (the recall of a random ranking); lift = recall /
base rate.

The population is every person with features (first seen on or before the as-of date); a person
the warehouse only knows from campaign sends has no features and is never selected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from persona.models.features import FeatureTable, Histories
from persona.models.runtime import single_threaded, typed

RANDOM_STATE = 42

SCORE_COLUMNS = [
    "seed_audience_code",
    "expansion_audience_code",
    "one_id",
    "score",
    "score_rank",
    "is_selected",
]
DIAGNOSTIC_COLUMNS = [
    "seed_audience_code",
    "expansion_audience_code",
    "expansion_size",
    "n_population",
    "n_seed",
    "n_train_seed",
    "n_held_out",
    "n_candidates",
    "k_basis",
    "k",
    "held_out_in_top_k",
    "recall_at_k",
    "base_rate",
    "lift",
    "status",
    "status_detail",
]


@dataclass(frozen=True)
class LookalikeSettings:
    holdout_share: float = 0.2
    min_seed: int = 20
    recall_k_multiples: tuple[float, ...] = (1.0, 2.0)
    max_training_rows: int = 200_000

    @classmethod
    def from_meta(cls, meta: dict) -> LookalikeSettings:
        """Settings from a dbt Python model's `meta.lookalike_settings` (values may be strings),
        which the YAML fills from the lookalike_* vars of dbt_project.yml."""
        values = (meta or {}).get("lookalike_settings")
        if not values:
            raise ValueError(
                "the lookalike model's YAML must set config.meta.lookalike_settings "
                "(see python_models/activation/audiences/_lookalike__python_models.yml)"
            )
        multiples = values["recall_k_multiples"]
        if isinstance(multiples, str):
            multiples = [part for part in multiples.strip("[]() ").split(",") if part.strip()]
        return cls(
            holdout_share=float(values["holdout_share"]),
            min_seed=int(values["min_seed"]),
            recall_k_multiples=tuple(float(value) for value in multiples),
            max_training_rows=int(values["max_training_rows"]),
        )


def make_classifier():
    """A fresh, unfitted seed-vs-rest classifier."""
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(class_weight="balanced", max_iter=2000, random_state=RANDOM_STATE),
    )


def training_rows(labels: np.ndarray, max_rows: int) -> np.ndarray:
    """The positions a classifier learns from: all of them up to max_rows, else every seed member
    and a fixed-seed random sample of the others up to max_rows in all (in their order). The
    class weights are balanced, so fewer others change the weights, not the boundary."""
    if len(labels) <= max_rows:
        return np.arange(len(labels))
    positive = np.flatnonzero(labels == 1)
    others = np.flatnonzero(labels == 0)
    n_others = max(max_rows - len(positive), 0)
    rng = np.random.RandomState(RANDOM_STATE)
    kept = others[rng.choice(len(others), size=min(n_others, len(others)), replace=False)]
    return np.sort(np.concatenate([positive, kept]))


def rank_candidates(
    features: pd.DataFrame, positives: set, candidates: pd.Index, max_rows: int = 200_000
) -> pd.DataFrame:
    """Fit seed (positives) vs everyone else in `features` (at most max_rows of them, see
    training_rows), then score `candidates`: one_id, score (the classifier's probability) and
    score_rank (1 = most seed-like; ties by one_id)."""
    labels = features.index.isin(list(positives)).astype(int)
    rows = training_rows(labels, max_rows)
    with single_threaded():
        model = make_classifier().fit(features.to_numpy()[rows], labels[rows])
        scores = model.predict_proba(features.loc[candidates].to_numpy())[:, 1]
    ranked = pd.DataFrame({"one_id": np.asarray(candidates), "score": scores})
    ranked = ranked.sort_values(["score", "one_id"], ascending=[False, True], kind="stable")
    ranked["score_rank"] = np.arange(1, len(ranked) + 1)
    return ranked.reset_index(drop=True)


def _seed_groups(seeds: pd.DataFrame):
    keys = ["seed_audience_code", "expansion_audience_code", "expansion_size"]
    for (seed, expansion, size), group in seeds.groupby(keys, sort=True):
        yield seed, expansion, int(size), set(group["one_id"])


def _seed_status(n_seed: int, n_others: int, settings: LookalikeSettings) -> tuple[str, str]:
    if n_seed < settings.min_seed:
        return (
            "too_few_seed_members",
            f"{n_seed} seed members with features; need {settings.min_seed}",
        )
    if n_others == 0:
        return "no_candidates", "everyone with features is in the seed"
    return "ok", ""


def score(
    source: FeatureTable | Histories, seeds: pd.DataFrame, as_of, settings: LookalikeSettings
) -> pd.DataFrame:
    """Per seed audience, every non-member with features scored and ranked; the top
    expansion_size are `is_selected` (fewer when there are not enough non-members). A seed too
    small to learn from (settings.min_seed) gets no rows (rpt_lookalike_diagnostics says why)."""
    features = source.features(as_of)
    frames = []
    for seed, expansion, size, members in _seed_groups(seeds):
        members = members & set(features.index)
        candidates = features.index[~features.index.isin(list(members))]
        if _seed_status(len(members), len(candidates), settings)[0] != "ok":
            continue
        ranked = rank_candidates(features, members, candidates, settings.max_training_rows)
        ranked["is_selected"] = ranked["score_rank"] <= size
        ranked.insert(0, "seed_audience_code", seed)
        ranked.insert(1, "expansion_audience_code", expansion)
        frames.append(ranked)
    if not frames:
        frames = [pd.DataFrame(columns=SCORE_COLUMNS)]
    frame = pd.concat(frames, ignore_index=True)[SCORE_COLUMNS]
    frame = frame.astype({"score": float, "score_rank": "int64", "is_selected": bool})
    return typed(frame, ["seed_audience_code", "expansion_audience_code", "one_id"])


def recall_at_k(ranked_ids, held_out: set, k: int) -> tuple[int, float]:
    """(held-out members among the first k of ranked_ids, their share of all held-out members)."""
    found = len(set(list(ranked_ids)[:k]) & held_out)
    return found, (found / len(held_out) if held_out else float("nan"))


def split_seed(members: set, holdout_share: float, seed_code: str) -> tuple[set, set]:
    """(training members, held-out members): a fixed-seed random share of the sorted members."""
    ordered = sorted(members)
    rng = np.random.default_rng(RANDOM_STATE + sum(map(ord, seed_code)))
    n_held = int(round(holdout_share * len(ordered)))
    held_positions = set(rng.choice(len(ordered), size=n_held, replace=False).tolist())
    held = {one_id for i, one_id in enumerate(ordered) if i in held_positions}
    return set(ordered) - held, held


def diagnostics(
    source: FeatureTable | Histories, seeds: pd.DataFrame, as_of, settings: LookalikeSettings
) -> pd.DataFrame:
    """Per seed audience and K (expansion_size times each of settings.recall_k_multiples, and K =
    the number held out, where recall equals precision): recall
    at K of the held-out seed members when the classifier learns from the other members and ranks
    everyone outside the training seed, with the base rate and lift. A seed that cannot be
    evaluated gets one row with its status (too_few_seed_members, no_candidates)."""
    features = source.features(as_of)
    rows = []
    for seed, expansion, size, members in _seed_groups(seeds):
        with_features = members & set(features.index)
        base = {
            "seed_audience_code": seed,
            "expansion_audience_code": expansion,
            "expansion_size": size,
            "n_population": len(features),
            "n_seed": len(with_features),
        }
        train, held = split_seed(with_features, settings.holdout_share, seed)
        n_others = len(features) - len(with_features)
        status, detail = _seed_status(len(train), n_others, settings)
        if status == "ok" and not held:
            status, detail = "too_few_seed_members", "no seed member left to hold out"
        if status != "ok":
            rows.append(
                {**base, "n_train_seed": len(train), "n_held_out": len(held)}
                | {"status": status, "status_detail": detail}
            )
            continue
        candidates = features.index[~features.index.isin(list(train))]
        ranked = rank_candidates(features, train, candidates, settings.max_training_rows)
        ks = [(f"expansion_size_x{m:g}", int(round(size * m))) for m in settings.recall_k_multiples]
        for basis, k in [*ks, ("held_out", len(held))]:
            k = min(k, len(candidates))
            found, recall = recall_at_k(ranked["one_id"], held, k)
            base_rate = k / len(candidates)
            rows.append(
                {
                    **base,
                    "n_train_seed": len(train),
                    "n_held_out": len(held),
                    "n_candidates": len(candidates),
                    "k_basis": basis,
                    "k": k,
                    "held_out_in_top_k": found,
                    "recall_at_k": recall,
                    "base_rate": base_rate,
                    "lift": recall / base_rate if base_rate else float("nan"),
                    "status": "evaluated",
                    "status_detail": "",
                }
            )
    if not rows:
        rows.append(
            {
                "n_population": len(features),
                "n_seed": 0,
                "status": "no_seed_members",
                "status_detail": "no audience marked lookalike_seed has members",
            }
        )
    frame = pd.DataFrame(rows).reindex(columns=DIAGNOSTIC_COLUMNS)
    frame["status_detail"] = frame["status_detail"].fillna("")
    text = ["seed_audience_code", "expansion_audience_code", "k_basis", "status", "status_detail"]
    numeric = [column for column in DIAGNOSTIC_COLUMNS if column not in text]
    frame[numeric] = frame[numeric].astype(float)
    return typed(frame, text)
