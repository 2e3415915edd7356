"""Customer clustering (segmentation) whose model is a function of the data and the fit date.

Population: the buyers of a features frame (persona.models.features.customer_features,
has_purchased = 1).
Features (`model_features`): the log RFM (log_recency, log_frequency, log_monetary), the discount
and coupon shares, log(1 + active days of the last 90 days), the channel mix (channel_share__*)
and the category mix (category_share__*). They are standardised (z-scores); each mix group is then
divided by sqrt(group size) and multiplied by `mix_weight`, so that a whole mix weighs as much as
one behavioural feature (without it the three channel and N category shares outvote the RFM).

k: KMeans (n_init, random_state fixed) for every k in [k_min, k_max]; the silhouette is computed
on a fixed-seed sample of at most `silhouette_sample_size` customers; the smallest k whose
silhouette is within `k_tolerance` of the best wins (neighbouring k often differ by less than the
sample's noise; taking the smallest such k keeps a refit from flipping k, and names with it, on a
week's more data, without reading any earlier fit).

Fit and score (issue 17, "incremental equals full"): the clusters are fitted on the buyers'
features as of the fit date (`refit_on`, int_as_of_date, var model_refit_every) and every build
assigns the buyers as of the as-of date to the nearest centre. The fit is deterministic and reads
nothing of earlier builds: ids 1..k by descending mean log_monetary (C01 = most valuable), names
from the centres. `fit_digest` (sha256 of the fit input: the sorted features at refit_on, the
settings and FIT_VERSION) keys a cache (int_cluster_runs): a build whose (refit_on, digest) is
stored reuses that fit (`fit_or_reuse` returns no row), any other build fits and appends. Same data
and fit date -> the same fit, whatever was built before; late data that changes the features at
refit_on changes the digest, so a stale fit is never served.

Names: from the features that distinguish a cluster most (z-score of the cluster mean against the
population mean, |z| >= name_min_z), through a phrase dictionary per feature and direction, in
English and Chinese; unique within a run (extended with further features, then the code).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from persona.models.features import customer_features

BEHAVIOUR_FEATURES = (
    "log_recency",
    "log_frequency",
    "log_monetary",
    "discount_share",
    "coupon_share",
    "log_active_days_90d",
)
MIX_PREFIXES = ("channel_share__", "category_share__")
# readable profile columns carried next to the model features (feature frame units)
PROFILE_COLUMNS = (
    "recency_days",
    "purchase_days_365d",
    "net_spend_365d",
    "average_order_value",
    "active_days_90d",
)
CHANNEL_NAMES = {
    "marketplace": ("Marketplace", "电商平台"),
    "own_mall": ("Own-mall", "官方商城"),
    "store": ("Store", "门店"),
}
CATEGORY_NAMES = {
    "护肤": ("Skincare", "护肤"),
    "彩妆": ("Makeup", "彩妆"),
    "保健": ("Wellness", "保健"),
    "skincare": ("Skincare", "护肤"),
    "makeup": ("Makeup", "彩妆"),
}
# feature -> {direction: (english, chinese, kind)}; kind "mod" is an adjective, "noun" a group
PHRASES: dict[str, dict[int, tuple[str, str, str]]] = {
    "log_monetary": {1: ("High-value", "高价值", "mod"), -1: ("Low-spend", "低消费", "mod")},
    "log_frequency": {1: ("Frequent", "高频", "mod"), -1: ("Infrequent", "低频", "mod")},
    "log_recency": {1: ("Lapsed", "流失", "mod"), -1: ("Recent", "近期活跃", "mod")},
    "discount_share": {
        1: ("Discount seekers", "优惠敏感顾客", "noun"),
        -1: ("Full-price", "全价", "mod"),
    },
    "coupon_share": {1: ("Coupon users", "用券顾客", "noun"), -1: ("No-coupon", "不用券", "mod")},
    "log_active_days_90d": {1: ("Engaged", "高互动", "mod"), -1: ("Quiet", "低互动", "mod")},
}
DEFAULT_NOUN = ("buyers", "顾客")
AVERAGE_NAME = ("Average buyers", "普通顾客")
STATUS_CLUSTERED = "clustered"
STATUS_TOO_FEW = "too_few_customers"


@dataclass(frozen=True)
class ClusterSettings:
    k_min: int = 3
    k_max: int = 8
    random_state: int = 42
    n_init: int = 10
    silhouette_sample_size: int = 10_000
    min_customers_per_cluster: int = 10
    mix_weight: float = 1.0
    name_min_z: float = 0.5
    max_fit_rows: int = 100_000
    k_tolerance: float = 0.01

    def __post_init__(self) -> None:
        if not 2 <= self.k_min <= self.k_max:
            raise ValueError(f"need 2 <= k_min <= k_max, got {self.k_min}..{self.k_max}")
        if self.silhouette_sample_size < 10 or self.min_customers_per_cluster < 1:
            raise ValueError("silhouette_sample_size >= 10 and min_customers_per_cluster >= 1")
        if self.max_fit_rows < self.k_max * self.min_customers_per_cluster:
            raise ValueError(
                f"max_fit_rows must be at least k_max * min_customers_per_cluster"
                f" ({self.k_max * self.min_customers_per_cluster}), got {self.max_fit_rows}"
            )
        if not 0 <= self.k_tolerance < 2:  # silhouettes lie in [-1, 1]
            raise ValueError(
                f"clusters_k_tolerance is a silhouette difference in [0, 2), got {self.k_tolerance}"
            )

    @classmethod
    def from_meta(cls, meta: dict | None) -> ClusterSettings:
        """Settings from a dbt Python model's `meta.clusters_settings` (dbt.config.get("meta")),
        which the model YAML fills from the clusters_* vars; values arrive as strings."""
        values = (meta or {}).get("clusters_settings")
        if not values:
            raise ValueError(
                "the cluster model YAML must set config.meta.clusters_settings"
                " (python_models/scores/clusters/_clusters__python_models.yml)"
            )
        ints = ("k_min", "k_max", "random_state", "n_init", "silhouette_sample_size")
        ints += ("min_customers_per_cluster", "max_fit_rows")
        floats = ("mix_weight", "name_min_z", "k_tolerance")
        missing = [key for key in ints + floats if key not in values]
        if missing:
            raise ValueError(f"config.meta.clusters_settings lacks {missing}")
        return cls(
            **{key: int(float(values[key])) for key in ints},
            **{key: float(values[key]) for key in floats},
        )


# ---------------------------------------------------------------------------------------------
# features


def cluster_features(features: pd.DataFrame) -> pd.DataFrame:
    """The buyers of a customer_features frame with the model features and the readable profile
    columns: one row per buyer, `one_id` as a column, sorted by one_id."""
    missing = {"has_purchased", "active_days_90d", *PROFILE_COLUMNS} - set(features.columns)
    missing |= {c for c in BEHAVIOUR_FEATURES if c != "log_active_days_90d"} - set(features)
    if missing:
        raise ValueError(f"the features frame lacks {sorted(missing)}")
    buyers = features[features["has_purchased"] == 1].copy()
    buyers["log_active_days_90d"] = np.log1p(buyers["active_days_90d"].clip(lower=0))
    mixes = [c for c in buyers.columns if c.startswith(MIX_PREFIXES)]
    columns = [*BEHAVIOUR_FEATURES, *mixes, *PROFILE_COLUMNS]
    out = buyers[columns].astype(float)
    out.index.name = "one_id"
    return out.reset_index().sort_values("one_id", ignore_index=True)


def buyer_features(
    people: pd.DataFrame,
    purchase_days: pd.DataFrame,
    category_days: pd.DataFrame,
    activity_days: pd.DataFrame,
    as_of,
) -> pd.DataFrame:
    """cluster_features of persona.models.features.customer_features as of `as_of`; `people` has
    one_id and first_seen_on or first_seen_at (a timestamp, cast to its date)."""
    if "first_seen_on" not in people.columns:
        people = people.assign(first_seen_on=pd.to_datetime(people["first_seen_at"]).dt.normalize())
    people = people[people["first_seen_on"].notna()]
    features = customer_features(
        people[["one_id", "first_seen_on"]], purchase_days, category_days, activity_days, as_of
    )
    return cluster_features(features)


def model_features(frame: pd.DataFrame) -> list[str]:
    """The model's feature columns of a cluster_features frame, in a fixed order."""
    mixes = sorted(c for c in frame.columns if c.startswith(MIX_PREFIXES))
    return [*BEHAVIOUR_FEATURES, *mixes]


def _weights(columns: list[str], mix_weight: float) -> np.ndarray:
    weights = np.ones(len(columns))
    for prefix in MIX_PREFIXES:
        group = [i for i, c in enumerate(columns) if c.startswith(prefix)]
        if group:
            weights[group] = mix_weight / np.sqrt(len(group))
    return weights


@dataclass(frozen=True)
class Space:
    """The standardised, weighted space of a run: x -> (x - mean) / scale * weight."""

    columns: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weight: np.ndarray

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: list[str], mix_weight: float) -> Space:
        values = frame[columns].to_numpy(float)
        mean = values.mean(axis=0)
        scale = values.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant column (one channel only) stays 0
        return cls(columns, mean, scale, _weights(columns, mix_weight))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values, float) - self.mean) / self.scale * self.weight

    def inverse(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, float) / self.weight * self.scale + self.mean


# ---------------------------------------------------------------------------------------------
# k selection


def candidate_ks(n_rows: int, n_distinct: int, settings: ClusterSettings) -> list[int]:
    """The k values worth trying: k_min..k_max, at most n / min_customers_per_cluster and at most
    the number of distinct feature rows."""
    top = min(settings.k_max, n_rows // settings.min_customers_per_cluster, n_distinct - 1)
    return list(range(settings.k_min, top + 1))


def _kmeans(points: np.ndarray, k: int, settings: ClusterSettings) -> KMeans:
    model = KMeans(k, n_init=settings.n_init, random_state=settings.random_state)
    return model.fit(points)


def select_k(
    points: np.ndarray, settings: ClusterSettings
) -> tuple[int, dict[int, KMeans], pd.DataFrame]:
    """KMeans for every candidate k, the silhouette on a fixed-seed sample, and the chosen k: the
    smallest k whose silhouette is within settings.k_tolerance of the best. Returns (k, fitted
    models, diagnostics: k, silhouette, inertia, is_chosen)."""
    n_distinct = len(np.unique(points, axis=0))
    ks = candidate_ks(len(points), n_distinct, settings)
    if not ks:
        raise ValueError("no candidate k")
    rng = np.random.RandomState(settings.random_state)
    size = min(settings.silhouette_sample_size, len(points))
    sample = np.sort(rng.choice(len(points), size=size, replace=False))
    fits: dict[int, KMeans] = {}
    rows = []
    for k in ks:
        fits[k] = _kmeans(points, k, settings)
        labels = fits[k].labels_[sample]
        silhouette = (
            float(silhouette_score(points[sample], labels))
            if len(np.unique(labels)) > 1
            else float("nan")
        )
        rows.append((k, silhouette, float(fits[k].inertia_)))
    diagnostics = pd.DataFrame(rows, columns=["k", "silhouette", "inertia"])
    scores = diagnostics.set_index("k")["silhouette"].fillna(-1.0)
    floor = scores.max() - settings.k_tolerance
    chosen = int(min(k for k, score in scores.items() if score >= floor))
    diagnostics["is_chosen"] = diagnostics["k"] == chosen
    return chosen, fits, diagnostics


# ---------------------------------------------------------------------------------------------
# names


def _mix_phrase(feature: str) -> tuple[str, str, str] | None:
    if feature.startswith("channel_share__"):
        group = feature[len("channel_share__") :]
        en, zh = CHANNEL_NAMES.get(group, (group, group))
        return (f"{en} shoppers", f"{zh}顾客", "noun")
    if feature.startswith("category_share__"):
        category = feature[len("category_share__") :]
        en, zh = CATEGORY_NAMES.get(category.lower(), (category, category))
        return (f"{en} lovers", f"{zh}偏好顾客", "noun")
    return None


def phrase(feature: str, z: float) -> tuple[str, str, str] | None:
    """The (english, chinese, kind) phrase of a feature whose cluster mean is z standard
    deviations from the population mean; a mix share only speaks when it is high."""
    if feature.startswith(MIX_PREFIXES):
        return _mix_phrase(feature) if z > 0 else None
    return PHRASES.get(feature, {}).get(1 if z > 0 else -1)


def compose_name(zscores: pd.Series, min_z: float, n_features: int = 3) -> tuple[str, str]:
    """A bilingual name from the n_features most distinguishing features (|z| >= min_z): up to
    two adjectives (any number when extended past 3 features) and one group noun, e.g.
    ("High-value frequent store shoppers", "高价值高频门店顾客")."""
    order = zscores.abs().sort_values(ascending=False, kind="stable")
    mods: list[tuple[str, str]] = []
    noun: tuple[str, str] | None = None
    for feature in order.index[:n_features]:
        z = float(zscores[feature])
        found = phrase(feature, z) if abs(z) >= min_z else None
        if found is None:
            continue
        en, zh, kind = found
        if kind == "noun" and noun is None:
            noun = (en, zh)
        elif kind == "mod" and len(mods) < (2 if n_features <= 3 else n_features):
            mods.append((en, zh))
    if not mods and noun is None:
        return AVERAGE_NAME
    noun = noun or DEFAULT_NOUN
    words = [en for en, _ in mods] + [noun[0]]
    english = " ".join([words[0][0].upper() + words[0][1:]] + [w.lower() for w in words[1:]])
    chinese = "".join(zh for _, zh in mods) + noun[1]
    return english, chinese


def unique_names(zscores: pd.DataFrame, codes: list[str], min_z: float) -> list[tuple[str, str]]:
    """Names of the clusters (rows of zscores, in order - the order of their ids): compose_name,
    extended with more features and finally the cluster code until no two clusters share an
    English or a Chinese name (an earlier id keeps the shorter name)."""
    names: list[tuple[str, str] | None] = [None] * len(zscores)
    taken_en: set[str] = set()
    taken_zh: set[str] = set()
    for i in range(len(zscores)):
        row = zscores.iloc[i]
        name = None
        for n_features in range(3, len(row) + 1):
            candidate = compose_name(row, min_z, n_features)
            if candidate[0] not in taken_en and candidate[1] not in taken_zh:
                name = candidate
                break
        if name is None:
            base = compose_name(row, min_z)
            name = (f"{base[0]} ({codes[i]})", f"{base[1]}（{codes[i]}）")
        names[i] = name
        taken_en.add(name[0])
        taken_zh.add(name[1])
    return [n for n in names if n is not None]


def cluster_code(cluster_id: int) -> str:
    return f"C{cluster_id:02d}"


# ---------------------------------------------------------------------------------------------
# runs


#: part of every fit digest: bump it when the fit or the naming changes, so that the fits cached
#: in int_cluster_runs are refitted rather than served
FIT_VERSION = 3
RUN_COLUMNS = [
    "refit_on",
    "fit_digest",
    "fitted_at",
    "status",
    "status_detail",
    "n_customers",
    "chosen_k",
    "model_json",
]
KEY_COLUMNS = ["refit_on", "fit_digest", "n_customers"]


def _now() -> pd.Timestamp:
    return pd.Timestamp.now("UTC").tz_localize(None)


def _date(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _typed(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=RUN_COLUMNS)
    out["refit_on"] = pd.to_datetime(out["refit_on"]).dt.date
    for column in ("n_customers", "chosen_k"):
        out[column] = out[column].astype("Int64")
    out["fitted_at"] = pd.to_datetime(out["fitted_at"])
    for column in ("fit_digest", "status", "status_detail", "model_json"):
        out[column] = out[column].astype("string")
    return out


def fit_digest(frame: pd.DataFrame, settings: ClusterSettings) -> str:
    """sha256 of exactly what a fit reads: the buyers (one_id) and their model features, sorted by
    one_id, the settings and FIT_VERSION. Equal digests -> equal fits (the fit is deterministic)."""
    columns = model_features(frame)
    data = frame.sort_values("one_id", ignore_index=True)
    digest = hashlib.sha256()
    header = {"version": FIT_VERSION, "settings": asdict(settings), "columns": columns}
    digest.update(json.dumps(header, sort_keys=True, ensure_ascii=False).encode())
    digest.update("\x1f".join(data["one_id"].astype(str)).encode())
    digest.update(np.ascontiguousarray(data[columns].to_numpy(float)).tobytes())
    return digest.hexdigest()


def fit_key(frame: pd.DataFrame, refit_on, settings: ClusterSettings) -> pd.DataFrame:
    """The key of the fit a build uses (KEY_COLUMNS): the fit date, the digest of the buyers'
    features as of it (`frame`) and how many buyers that is."""
    out = pd.DataFrame(
        [{"refit_on": _date(refit_on), "fit_digest": fit_digest(frame, settings)}]
    ).assign(n_customers=len(frame))
    out["refit_on"] = out["refit_on"].dt.date
    out["fit_digest"] = out["fit_digest"].astype("string")
    out["n_customers"] = out["n_customers"].astype("int64")
    return out


def _matching(runs: pd.DataFrame | None, key: pd.DataFrame) -> pd.DataFrame:
    if runs is None or runs.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    missing = set(RUN_COLUMNS) - set(runs.columns)
    if missing:
        raise ValueError(
            f"the stored clustering runs lack {sorted(missing)}: int_cluster_runs was built by an "
            "earlier version of persona; rebuild it with `dbt build --full-refresh -s "
            "int_cluster_runs+`"
        )
    if len(key) != 1:
        raise ValueError(f"the fit key must be one row (int_cluster_fit_key), got {len(key)}")
    refit_on, digest = _date(key["refit_on"].iloc[0]), str(key["fit_digest"].iloc[0])
    same = (pd.to_datetime(runs["refit_on"]).dt.normalize() == refit_on) & (
        runs["fit_digest"].astype(str) == digest
    )
    return runs[same]


def current_run(runs: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """The stored run of the fit key (one row, without fitted_at - when the cache row was
    written is build history); an error when the cache lacks it."""
    found = _matching(runs, key)
    if found.empty:
        raise ValueError(
            "int_cluster_runs holds no fit for the key of this build (int_cluster_fit_key): "
            "build int_cluster_runs first"
        )
    out = found.sort_values("fitted_at").iloc[[0]].drop(columns="fitted_at")
    return out.reset_index(drop=True)


def fit_sample(points: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """The points KMeans is fitted on: all of them up to settings.max_fit_rows, else a fixed-seed
    random sample of that many (in their original order). Centroids settle long before a
    million buyers; every buyer is then assigned to the nearest centroid."""
    if len(points) <= settings.max_fit_rows:
        return points
    rng = np.random.RandomState(settings.random_state)
    return points[np.sort(rng.choice(len(points), size=settings.max_fit_rows, replace=False))]


def fit_or_reuse(
    frame: pd.DataFrame | Callable[[], pd.DataFrame],
    runs: pd.DataFrame | None,
    key: pd.DataFrame,
    settings: ClusterSettings,
    fitted_at=None,
) -> pd.DataFrame:
    """The rows a build appends to the cache of fits (int_cluster_runs): none when `runs` holds
    the fit of `key` (same fit date and digest), else the one row of fit_run on `frame` (the
    buyers' features as of the key's refit_on, whose digest must be the key's; a callable is only
    called on a miss, so a reused fit does not even read the features)."""
    if not _matching(runs, key).empty:
        return _typed([])
    if callable(frame):
        frame = frame()
    digest = fit_digest(frame, settings)
    if digest != str(key["fit_digest"].iloc[0]):
        raise ValueError(
            "the features to fit on are not the ones of the fit key (int_cluster_fit_key): "
            f"digest {digest[:12]}... != {str(key['fit_digest'].iloc[0])[:12]}..."
        )
    return fit_run(frame, key["refit_on"].iloc[0], settings, fitted_at=fitted_at)


def fit_run(
    frame: pd.DataFrame,
    refit_on,
    settings: ClusterSettings,
    fitted_at=None,
) -> pd.DataFrame:
    """One clustering fit on a cluster_features frame (the buyers as of refit_on): deterministic,
    reads nothing of earlier fits. Returns one row (RUN_COLUMNS) whose model_json holds the
    scaler, the candidates' diagnostics and the clusters (id, code, names, size, raw centroid);
    ids 1..k by descending mean log_monetary (then size)."""
    frame = frame.sort_values("one_id", ignore_index=True)
    base = {
        "refit_on": _date(refit_on),
        "fit_digest": fit_digest(frame, settings),
        "fitted_at": pd.Timestamp(fitted_at) if fitted_at is not None else _now(),
        "n_customers": len(frame),
    }
    columns = model_features(frame)
    n_distinct = len(frame[columns].drop_duplicates()) if len(frame) else 0
    needed = settings.k_min * settings.min_customers_per_cluster
    if len(frame) < needed or not candidate_ks(len(frame), n_distinct, settings):
        detail = (
            f"{len(frame)} buyers ({n_distinct} distinct feature rows); clustering needs at least"
            f" {needed} ({settings.min_customers_per_cluster} per cluster for k_min ="
            f" {settings.k_min}) and more distinct rows than clusters"
        )
        model = {"columns": columns, "clusters": [], "candidates": []}
        row = {**base, "status": STATUS_TOO_FEW, "status_detail": detail, "chosen_k": None}
        row["model_json"] = json.dumps(model, ensure_ascii=False)
        return _typed([row])

    space = Space.fit(frame, columns, settings.mix_weight)
    points = space.transform(frame[columns].to_numpy(float))
    fit_points = fit_sample(points, settings)
    k, fits, diagnostics = select_k(fit_points, settings)
    fit = fits[k]
    centers = fit.cluster_centers_
    labels = fit.labels_ if len(fit_points) == len(points) else fit.predict(points)
    sizes = np.bincount(labels, minlength=k)
    raw = space.inverse(centers)
    zscores = pd.DataFrame((raw - space.mean) / space.scale, columns=columns)
    monetary = raw[:, columns.index("log_monetary")]
    order = sorted(range(k), key=lambda i: (-monetary[i], -sizes[i], i))
    codes = [cluster_code(rank + 1) for rank in range(k)]
    names = unique_names(zscores.iloc[order].reset_index(drop=True), codes, settings.name_min_z)
    clusters = []
    for rank, i in enumerate(order):
        clusters.append(
            {
                "cluster_id": rank + 1,
                "cluster_code": codes[rank],
                "name_en": names[rank][0],
                "name_zh": names[rank][1],
                "size": int(sizes[i]),
                "centroid": {c: float(v) for c, v in zip(columns, raw[i], strict=True)},
                "zscores": {c: float(v) for c, v in zip(columns, zscores.iloc[i], strict=True)},
            }
        )
    model = {
        "columns": columns,
        "mean": space.mean.tolist(),
        "scale": space.scale.tolist(),
        "weight": space.weight.tolist(),
        "candidates": diagnostics.to_dict(orient="records"),
        "clusters": clusters,
    }
    detail = (
        f"k = {k} chosen among {diagnostics['k'].tolist()} by silhouette; fitted on"
        f" {len(frame)} buyers as of {base['refit_on'].date()}"
    )
    row = {**base, "status": STATUS_CLUSTERED, "status_detail": detail, "chosen_k": k}
    row["model_json"] = json.dumps(model, ensure_ascii=False)
    return _typed([row])


# typed empty outputs: an all-empty object column would reach the warehouse as type NULL
ASSIGNMENT_TYPES = {
    "one_id": "string",
    "cluster_id": "int64",
    "cluster_code": "string",
    "cluster_name_en": "string",
    "cluster_name_zh": "string",
    "distance_to_centroid": "float64",
}
PROFILE_TYPES = {
    "cluster_id": "int64",
    "cluster_code": "string",
    "cluster_name_en": "string",
    "cluster_name_zh": "string",
    "n_customers": "int64",
    "customer_share": "float64",
    "mean_recency_days": "float64",
    "mean_purchase_days_365d": "float64",
    "mean_net_spend_365d": "float64",
    "mean_average_order_value": "float64",
    "mean_discount_share": "float64",
    "mean_coupon_share": "float64",
    "mean_active_days_90d": "float64",
    "top_category": "string",
    "top_category_share": "float64",
    "top_channel": "string",
    "top_channel_share": "float64",
    "distinguishing_features": "string",
    "mean_distance_to_centroid": "float64",
}


def _empty(types: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in types.items()})


def _model_of(run: pd.DataFrame) -> tuple[pd.Series, dict]:
    """The one fit a build uses (int_cluster_model: current_run of the cache) and its model."""
    if len(run) != 1:
        raise ValueError(f"expected the one clustering fit of this build, got {len(run)} rows")
    row = run.iloc[0]
    return row, json.loads(row["model_json"])


def assign(frame: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """Each buyer of a cluster_features frame (as of the as-of date) to the nearest centroid of the
    fit `run` (one row; on the fit's own buyers these are its KMeans labels): one_id, cluster_id,
    cluster_code, cluster_name_en, cluster_name_zh, distance_to_centroid (in the fit's
    standardised, weighted units). Empty when the fit did not cluster."""
    _, model = _model_of(run)
    if not model["clusters"]:
        return _empty(ASSIGNMENT_TYPES)
    space = Space(
        model["columns"],
        np.array(model["mean"]),
        np.array(model["scale"]),
        np.array(model["weight"]),
    )
    missing = set(space.columns) - set(frame.columns)
    if missing:
        raise ValueError(f"the features lack the run's columns {sorted(missing)}")
    clusters = model["clusters"]
    points = space.transform(frame[space.columns].to_numpy(float))
    centers = space.transform(
        np.array([[c["centroid"][f] for f in space.columns] for c in clusters])
    )
    distances = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    table = pd.DataFrame(clusters)
    out = pd.DataFrame(
        {
            "one_id": frame["one_id"].to_numpy(),
            "cluster_id": table["cluster_id"].to_numpy()[nearest],
            "cluster_code": table["cluster_code"].to_numpy()[nearest],
            "cluster_name_en": table["name_en"].to_numpy()[nearest],
            "cluster_name_zh": table["name_zh"].to_numpy()[nearest],
            "distance_to_centroid": distances[np.arange(len(points)), nearest],
        }
    )
    return out.sort_values("one_id", ignore_index=True)


def _label(feature: str, prefix: str) -> str:
    return feature[len(prefix) :]


def profiles(frame: pd.DataFrame, assignments: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """Per cluster of the fit `run`, over the buyers as of the as-of date: size and share, means
    in readable units (recency days, purchase days and net spend of the last 365 days, average
    order value, discount and coupon shares, active days of the last 90 days), the top category
    and channel (highest mean share), the names and the most distinguishing features with their
    z-scores."""
    columns = list(PROFILE_TYPES)
    _, model = _model_of(run)
    if not model["clusters"] or assignments.empty:
        return _empty(PROFILE_TYPES)
    data = frame.merge(assignments, on="one_id", validate="one_to_one")
    categories = [c for c in frame.columns if c.startswith("category_share__")]
    channels = [c for c in frame.columns if c.startswith("channel_share__")]
    rows = []
    for cluster in model["clusters"]:
        part = data[data["cluster_id"] == cluster["cluster_id"]]
        means = part.mean(numeric_only=True) if len(part) else pd.Series(dtype=float)
        z = pd.Series(cluster["zscores"])
        top = z.abs().sort_values(ascending=False, kind="stable").index[:3]
        row = {
            "cluster_id": cluster["cluster_id"],
            "cluster_code": cluster["cluster_code"],
            "cluster_name_en": cluster["name_en"],
            "cluster_name_zh": cluster["name_zh"],
            "n_customers": len(part),
            "customer_share": len(part) / len(data),
            "mean_recency_days": means.get("recency_days", np.nan),
            "mean_purchase_days_365d": means.get("purchase_days_365d", np.nan),
            "mean_net_spend_365d": means.get("net_spend_365d", np.nan),
            "mean_average_order_value": means.get("average_order_value", np.nan),
            "mean_discount_share": means.get("discount_share", np.nan),
            "mean_coupon_share": means.get("coupon_share", np.nan),
            "mean_active_days_90d": means.get("active_days_90d", np.nan),
            "top_category": None,
            "top_category_share": np.nan,
            "top_channel": None,
            "top_channel_share": np.nan,
            "distinguishing_features": "; ".join(f"{f} {z[f]:+.2f}" for f in top),
            "mean_distance_to_centroid": means.get("distance_to_centroid", np.nan),
        }
        for names, key, prefix in (
            (categories, "top_category", "category_share__"),
            (channels, "top_channel", "channel_share__"),
        ):
            if names and len(part):
                best = means[names].astype(float).idxmax()
                row[key] = _label(best, prefix)
                row[f"{key}_share"] = float(means[best])
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


DIAGNOSTIC_COLUMNS = ["fitted_on", "fit_digest", "k", "silhouette", "inertia", "is_chosen"]
DIAGNOSTIC_COLUMNS += ["chosen_k", "n_customers", "status", "status_detail", "cluster_sizes"]


def diagnostics(run: pd.DataFrame) -> pd.DataFrame:
    """The fit's diagnostics: one row per candidate k (silhouette, inertia, is_chosen) with the
    fit's date (fitted_on = refit_on), digest, status, chosen k, buyers fitted on and cluster sizes
    (as fitted); a single row with k null when the fit did not cluster (status too_few_customers
    and its detail). Nothing here depends on which builds came before."""
    row, model = _model_of(run)
    candidates = pd.DataFrame(model["candidates"])
    if candidates.empty:
        candidates = pd.DataFrame([{"k": np.nan, "silhouette": np.nan, "inertia": np.nan}])
        candidates["is_chosen"] = False
    sizes = ", ".join(f"{c['cluster_code']}: {c['size']}" for c in model["clusters"])
    candidates["fitted_on"] = _date(row["refit_on"]).date()
    for key in ("fit_digest", "chosen_k", "n_customers", "status", "status_detail"):
        candidates[key] = row[key]
    candidates["cluster_sizes"] = sizes
    out = candidates[DIAGNOSTIC_COLUMNS].copy()
    for column in ("k", "chosen_k", "n_customers"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    out["is_chosen"] = out["is_chosen"].astype(bool)
    for column in ("fit_digest", "status", "status_detail", "cluster_sizes"):
        out[column] = out[column].astype("string")
    return out
