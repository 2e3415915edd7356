"""Customer lifetime value: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma, with scipy.

The formulas are the papers' own; `lifetimes` 0.11 serves as the oracle in the tests
(tests/python/test_clv.py reproduces the published CDNOW figures with both). Why an own
implementation rather than the library: DECISIONS.md (2026-11-23).

Vocabulary (the literature's):
- a customer's purchases are merged per calendar day; the first purchase day starts the clock;
- x = frequency: repeat purchase days (purchase days - 1);
- t_x = recency: time from the first to the last purchase day;
- T = age: time from the first purchase day to the cutoff;
- m = monetary value: mean net amount of the repeat purchase days (the first is left out);
- time is counted in a time unit of `unit_days` days (7: weeks, as in the papers).

BG/NBD: while active, a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase
they drop out with probability p ~ Beta(a, b). Gamma-Gamma: the value of a transaction is Gamma(p,
nu) with nu ~ Gamma(q, gamma), independent of the purchase process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import approx_fprime, minimize
from scipy.special import expit, gammaln, hyp2f1

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class Fit:
    """One fitted model: its parameters, the summed log-likelihood and the customers used."""

    params: BgNbd | GammaGamma | None
    log_likelihood: float | None
    n_customers: int
    status: str  # fitted | too_few_customers | not_converged
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# customer summary


def customer_summary(purchase_days: pd.DataFrame, cutoff, unit_days: float = 7.0) -> pd.DataFrame:
    """Per customer with a purchase on or before `cutoff`: first_purchase_on, frequency, recency,
    T and monetary_value (see the module docstring), from rows (one_id, purchase_on, net_amount);
    several rows of one day are one purchase day (their amounts add up)."""
    cutoff = pd.Timestamp(cutoff)
    frame = purchase_days[["one_id", "purchase_on", "net_amount"]].copy()
    frame["purchase_on"] = pd.to_datetime(frame["purchase_on"])
    frame = frame[frame["purchase_on"] <= cutoff]
    days = frame.groupby(["one_id", "purchase_on"], as_index=False)["net_amount"].sum()
    days = days.sort_values(["one_id", "purchase_on"])
    days["day_number"] = days.groupby("one_id").cumcount()
    per_customer = days.groupby("one_id")
    first = per_customer["purchase_on"].min()
    last = per_customer["purchase_on"].max()
    repeat = days[days["day_number"] > 0].groupby("one_id")["net_amount"].mean()
    summary = pd.DataFrame(
        {
            "first_purchase_on": first,
            "frequency": per_customer.size() - 1,
            "recency": (last - first).dt.days / unit_days,
            "T": (cutoff - first).dt.days / unit_days,
            "monetary_value": repeat.reindex(first.index).fillna(0.0),
        }
    )
    summary.index.name = "one_id"
    return summary.reset_index()


def purchase_days_between(purchase_days: pd.DataFrame, start, end) -> pd.Series:
    """Distinct purchase days per customer in (start, end] - the actual purchases of a holdout."""
    frame = purchase_days[["one_id", "purchase_on"]].copy()
    frame["purchase_on"] = pd.to_datetime(frame["purchase_on"])
    inside = frame[(frame["purchase_on"] > pd.Timestamp(start)) & (frame["purchase_on"] <= end)]
    return inside.drop_duplicates().groupby("one_id").size()


# ---------------------------------------------------------------------------------------------
# BG/NBD


def bgnbd_log_likelihood(params: BgNbd, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood (FHL 2005, equation 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


# a search coordinate beyond this (a factor of e**12, about 160,000) is on the edge of the space
EDGE = 12.0


def _fit(
    mean_negative_log_likelihood, start: np.ndarray, n: int
) -> tuple[np.ndarray, float, bool, str]:
    """Minimise a mean negative log-likelihood over unconstrained search coordinates: BFGS from
    `start`, polished by Nelder-Mead from its optimum (BFGS often stops on "precision loss" near
    the optimum). The fit counts as converged when the gradient at the result is flat. Returns
    the search coordinates, the mean log-likelihood, the convergence flag and a message."""
    quick = minimize(mean_negative_log_likelihood, start, method="BFGS")
    polished = minimize(
        mean_negative_log_likelihood,
        quick.x,
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 10_000, "maxfev": 10_000},
    )
    final = polished if polished.fun <= quick.fun else quick
    finite = bool(np.all(np.isfinite(final.x))) and bool(np.isfinite(final.fun))
    gradient = approx_fprime(final.x, mean_negative_log_likelihood, 1e-7) if finite else [np.inf]
    converged = finite and float(np.max(np.abs(gradient))) < 1e-4
    message = "" if converged else f"gradient {np.max(np.abs(gradient)):.2g} at the optimum"
    if finite and not converged and np.any(np.abs(final.x) > EDGE):
        # The supremum lies on the edge of the parameter space (a parameter heads to 0 or
        # infinity): there is no interior optimum and the gradient is noise from the extreme
        # values. Accept the fit when the likelihood has stopped improving: a restart from the
        # result gains less than 0.01 in total log-likelihood (a likelihood-ratio test needs 1.92
        # to tell two fits apart), e.g. as a + b creeps towards 0 for ever smaller gains.
        restart = minimize(
            mean_negative_log_likelihood,
            final.x,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 10_000, "maxfev": 10_000},
        )
        converged = (final.fun - restart.fun) * n < 0.01
        message = "optimum on the edge of the parameter space" if converged else message
    return final.x, -float(final.fun), converged, message


def _bgnbd_from_search(u: np.ndarray) -> BgNbd:
    """BG/NBD parameters from the search coordinates (log r, log alpha, logit of the mean dropout
    probability a / (a + b), log(a + b)). In these coordinates a brand whose buyers show no
    dropout has a flat optimum (the mean dropout goes to 0, where a + b no longer matters)
    instead of a ridge along a -> 0, b -> infinity that the optimiser never finishes."""
    mean_dropout, concentration = expit(u[2]), np.exp(u[3])
    return BgNbd(
        np.exp(u[0]), np.exp(u[1]), mean_dropout * concentration, expit(-u[2]) * concentration
    )


def fit_bgnbd(x, t_x, T, min_customers: int = 20) -> Fit:
    """Maximum-likelihood BG/NBD on the customers' (x, t_x, T)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    n = len(x)
    if n < min_customers or not np.any(x > 0):
        detail = f"{n} customers, {int(np.sum(x > 0))} with a repeat purchase; need {min_customers}"
        return Fit(None, None, n, "too_few_customers", detail + " and at least one repeat")

    def negative(u: np.ndarray) -> float:
        value = -bgnbd_log_likelihood(_bgnbd_from_search(u), x, t_x, T).mean()
        return value if np.isfinite(value) else 1e300

    # start: r = alpha = a = b = 1
    u, mean_log_likelihood, converged, message = _fit(
        negative, np.array([0.0, 0.0, 0.0, np.log(2)]), n
    )
    params = _bgnbd_from_search(u)
    if converged and params.a / (params.a + params.b) < 1e-6:
        message = "no dropout seen: a / (a + b) is about 0, so P(alive) is about 1 (the NBD model)"
    elif converged and params.a + params.b < 1e-6:
        share = params.a / (params.a + params.b)
        message = f"a + b is about 0: {share:.1%} of buyers leave after a purchase, the rest never"
    status = "fitted" if converged else "not_converged"
    return Fit(params, mean_log_likelihood * n, n, status, message)


def expected_purchases(params: BgNbd, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next `t` time units (FHL 2005, eq. 10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    t = np.asarray(t, dtype=float)
    if np.all(t == 0):
        return np.zeros(np.broadcast(x, t).shape)
    z = t / (alpha + T + t)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (
        first * second / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )


def probability_alive(params: BgNbd, x, t_x, T) -> np.ndarray:
    """P(still active | x, t_x, T) (FHL 2005, eq. 11 note); 1 for a customer without repeats."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + odds)


def purchase_rate(params: BgNbd, x, T) -> np.ndarray:
    """E[lambda | x, T] = (r + x) / (alpha + T): the posterior mean purchase rate per time unit
    while active."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    return (params.r + x) / (params.alpha + T)


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma


def gamma_gamma_log_likelihood(params: GammaGamma, x, m) -> np.ndarray:
    """Each repeat customer's log-likelihood of their mean transaction value m over x repeats."""
    p, q, g = params.p, params.q, params.gamma
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + g)
    )


def fit_gamma_gamma(x, m, min_customers: int = 20) -> Fit:
    """Maximum-likelihood Gamma-Gamma on the customers with a repeat purchase and a positive
    mean value (the others carry no information on value)."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    used = (x > 0) & (m > 0)
    x, m = x[used], m[used]
    n = len(x)
    if n < min_customers:
        return Fit(
            None, None, n, "too_few_customers", f"{n} repeat customers; need {min_customers}"
        )

    def from_search(u: np.ndarray) -> GammaGamma:
        # (log p, log q, log(gamma / q)): when the customers' mean values do not differ beyond
        # chance, q and gamma grow together without bound; with gamma / q as a coordinate that
        # limit is a flat optimum instead of a ridge the optimiser never finishes
        return GammaGamma(np.exp(u[0]), np.exp(u[1]), np.exp(u[1] + u[2]))

    def negative(u: np.ndarray) -> float:
        value = -gamma_gamma_log_likelihood(from_search(u), x, m).mean()
        return value if np.isfinite(value) else 1e300

    # start: p = 1, q = 2, gamma = the mean value
    start = np.array([0.0, np.log(2.0), np.log(np.mean(m) / 2.0)])
    u, mean_log_likelihood, converged, message = _fit(negative, start, n)
    params = from_search(u)
    log_likelihood = mean_log_likelihood * n
    if converged and params.q <= 1:
        return Fit(params, log_likelihood, n, "not_converged", "q <= 1: the mean value is infinite")
    if converged and params.q > 1e6:
        message = "mean values do not differ between customers beyond chance (q, gamma very large)"
    status = "fitted" if converged else "not_converged"
    return Fit(params, log_likelihood, n, status, message)


def expected_average_value(params: GammaGamma, x, m) -> np.ndarray:
    """E[M | x, m]: a weighted mean of the customer's own mean value and the population mean
    p * gamma / (q - 1); with no repeats, the population mean."""
    p, q, g = params.p, params.q, params.gamma
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return (g + np.where(x > 0, m, 0.0) * x) * p / (p * x + q - 1)


# ---------------------------------------------------------------------------------------------
# value over a horizon


def lifetime_value(
    bg: BgNbd,
    gg: GammaGamma,
    x,
    t_x,
    T,
    m,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    units_per_month: float = DAYS_PER_MONTH / 7,
) -> np.ndarray:
    """Discounted value of the next `months` months: per month i, the expected purchases in that
    month times E[M], divided by (1 + monthly_discount_rate) ** i."""
    value = expected_average_value(gg, x, m)
    total = np.zeros(np.shape(np.asarray(x, dtype=float)))
    previous = expected_purchases(bg, 0.0, x, t_x, T)
    for month in range(1, months + 1):
        cumulative = expected_purchases(bg, month * units_per_month, x, t_x, T)
        total += value * (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return total


def tiers_by_share(values: pd.Series, top_percent: dict[str, float], rest: str) -> pd.Series:
    """Tier by rank: a value is in the first tier of `top_percent` (name -> cumulative percent
    from the top, ascending) whose share of strictly greater values is below the percent;
    otherwise `rest`. Equal values share a tier."""
    n = len(values)
    strictly_greater = n - values.rank(method="max")
    share = strictly_greater / max(n, 1) * 100
    tiers = pd.Series(rest, index=values.index, dtype=object)
    for name, percent in sorted(top_percent.items(), key=lambda item: -item[1]):
        tiers[share < percent] = name
    return tiers


# ---------------------------------------------------------------------------------------------
# what the dbt Python models call


@dataclass(frozen=True)
class ClvSettings:
    unit_days: float = 7.0
    holdout_days: int = 182
    months: int = 12
    monthly_discount_rate: float = 0.01
    min_customers: int = 20
    tier_top_percent: tuple[tuple[str, float], ...] = (("top", 5), ("high", 20), ("medium", 50))
    max_fit_customers: int = 200_000

    @property
    def time_unit(self) -> str:
        return {1.0: "day", 7.0: "week"}.get(float(self.unit_days), f"{self.unit_days:g} days")

    @classmethod
    def from_meta(cls, meta: dict) -> ClvSettings:
        """Settings from a dbt Python model's `meta.clv_settings` (read with dbt.config.get), which
        the model's YAML fills from the clv_* vars of dbt_project.yml; values may be strings."""
        values = (meta or {}).get("clv_settings")
        if not values:
            raise ValueError(
                "the CLV model YAML must set config.meta.clv_settings"
                " (python_models/scores/clv/_clv__python_models.yml)"
            )
        tiers = values["tier_top_percent"]
        if isinstance(tiers, str):
            tiers = json.loads(tiers.replace("'", '"'))
        return cls(
            unit_days=float(values["unit_days"]),
            holdout_days=int(values["holdout_days"]),
            months=int(values["months"]),
            monthly_discount_rate=float(values["monthly_discount_rate"]),
            min_customers=int(values["min_customers"]),
            tier_top_percent=tuple((str(k), float(v)) for k, v in tiers.items()),
            max_fit_customers=int(values["max_fit_customers"]),
        )


def summaries(purchase_days: pd.DataFrame, as_of, settings: ClvSettings) -> pd.DataFrame:
    """The customer summaries both fits use: period `as_of` (cutoff = the as-of date) and period
    `calibration` (cutoff = as_of - holdout_days, with the holdout's actual purchase days)."""
    as_of = pd.Timestamp(as_of)
    calibration_end = as_of - pd.Timedelta(days=settings.holdout_days)
    current = customer_summary(purchase_days, as_of, settings.unit_days)
    current.insert(0, "period", "as_of")
    current.insert(1, "cutoff_on", as_of)
    current["holdout_purchases"] = np.nan
    calibration = customer_summary(purchase_days, calibration_end, settings.unit_days)
    calibration.insert(0, "period", "calibration")
    calibration.insert(1, "cutoff_on", calibration_end)
    actual = purchase_days_between(purchase_days, calibration_end, as_of)
    calibration["holdout_purchases"] = (
        calibration["one_id"].map(actual).fillna(0).astype(float).to_numpy()
    )
    return pd.concat([current, calibration], ignore_index=True)


def fit_sample(group: pd.DataFrame, settings: ClvSettings) -> pd.DataFrame:
    """The customers a period's models are fitted on: all of them up to
    settings.max_fit_customers, else a fixed-seed random sample of that many (in their order).
    Four (BG/NBD) or three (Gamma-Gamma) population parameters are pinned down long before a
    million buyers; every buyer is still scored with them."""
    if len(group) <= settings.max_fit_customers:
        return group
    rng = np.random.RandomState(42)
    return group.iloc[np.sort(rng.choice(len(group), settings.max_fit_customers, replace=False))]


def fit_models(summary: pd.DataFrame, as_of, settings: ClvSettings) -> pd.DataFrame:
    """One row per (period, model) with the literature's parameter names, the time unit, the
    summed log-likelihood, the customers used (at most settings.max_fit_customers) and the
    status; a period without buyers gets status too_few_customers."""
    as_of = pd.Timestamp(as_of)
    cutoffs = {"as_of": as_of, "calibration": as_of - pd.Timedelta(days=settings.holdout_days)}
    rows = []
    for period, cutoff in cutoffs.items():
        group = fit_sample(summary[summary["period"] == period], settings)
        bg = fit_bgnbd(group["frequency"], group["recency"], group["T"], settings.min_customers)
        gg = fit_gamma_gamma(group["frequency"], group["monetary_value"], settings.min_customers)
        for model, fit in (("bg_nbd", bg), ("gamma_gamma", gg)):
            rows.append(
                {
                    "period": period,
                    "cutoff_on": cutoff,
                    "model": model,
                    "time_unit": settings.time_unit,
                    "unit_days": settings.unit_days,
                    **{name: np.nan for name in ("r", "alpha", "a", "b", "p", "q", "gamma")},
                    **(asdict(fit.params) if fit.params is not None else {}),
                    "log_likelihood": fit.log_likelihood,
                    "n_customers": fit.n_customers,
                    "status": fit.status,
                    "status_detail": fit.detail,
                }
            )
    return pd.DataFrame(rows)


def _params(fits: pd.DataFrame, period: str) -> tuple[BgNbd | None, GammaGamma | None]:
    """The period's fitted parameters (None for a model that was not fitted)."""
    chosen = fits[(fits["period"] == period) & (fits["status"] == "fitted")].set_index("model")
    bg = gg = None
    if "bg_nbd" in chosen.index:
        row = chosen.loc["bg_nbd"]
        bg = BgNbd(row["r"], row["alpha"], row["a"], row["b"])
    if "gamma_gamma" in chosen.index:
        row = chosen.loc["gamma_gamma"]
        gg = GammaGamma(row["p"], row["q"], row["gamma"])
    return bg, gg


def score(summary: pd.DataFrame, fits: pd.DataFrame, settings: ClvSettings) -> pd.DataFrame:
    """Per customer of the `as_of` period: expected purchase days in the next 90 and 365 days,
    P(alive), the purchase rate per time unit, the expected mean order value, 12-month CLV and
    its tier. Scores of a model that was not fitted stay null."""
    current = summary[summary["period"] == "as_of"].reset_index(drop=True)
    bg, gg = _params(fits, "as_of")
    x, t_x, T, m = (
        current[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    out = current[["one_id", "first_purchase_on", "frequency", "recency", "T", "monetary_value"]]
    out = out.rename(columns={"recency": "recency_units", "T": "age_units"})
    nulls = np.full(len(current), np.nan)
    out["expected_purchases_90d"] = (
        expected_purchases(bg, 90 / settings.unit_days, x, t_x, T) if bg else nulls
    )
    out["expected_purchases_365d"] = (
        expected_purchases(bg, 365 / settings.unit_days, x, t_x, T) if bg else nulls
    )
    out["probability_alive"] = probability_alive(bg, x, t_x, T) if bg else nulls
    out["purchase_rate_per_unit"] = purchase_rate(bg, x, T) if bg else nulls
    out["expected_order_value"] = expected_average_value(gg, x, m) if gg else nulls
    units_per_month = DAYS_PER_MONTH / settings.unit_days
    out["clv"] = (
        lifetime_value(
            bg, gg, x, t_x, T, m, settings.months, settings.monthly_discount_rate, units_per_month
        )
        if bg and gg
        else nulls
    )
    tiers = dict(settings.tier_top_percent)
    out["clv_tier"] = (
        tiers_by_share(out["clv"], tiers, "low") if bg and gg else pd.Series([None] * len(out))
    )
    out["time_unit"] = settings.time_unit
    return out


def backtest(summary: pd.DataFrame, fits: pd.DataFrame, settings: ClvSettings) -> pd.DataFrame:
    """Per customer of the `calibration` period: purchase days predicted for the holdout (the
    calibration fit's E[Y(holdout)]) against the actual ones, the error and the decile of the
    prediction (1 = the highest tenth). Empty when the calibration fit failed."""
    calibration = summary[summary["period"] == "calibration"].reset_index(drop=True)
    bg, _ = _params(fits, "calibration")
    if bg is None or calibration.empty:
        empty = {
            "one_id": "object",
            "predicted_purchases": "float64",
            "actual_purchases": "float64",
        }
        empty |= {"error": "float64", "prediction_decile": "int64"}
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in empty.items()})
    horizon = settings.holdout_days / settings.unit_days
    predicted = expected_purchases(
        bg,
        horizon,
        calibration["frequency"],
        calibration["recency"],
        calibration["T"],
    )
    out = pd.DataFrame(
        {
            "one_id": calibration["one_id"],
            "predicted_purchases": predicted,
            "actual_purchases": calibration["holdout_purchases"].astype(float),
        }
    )
    out["error"] = out["predicted_purchases"] - out["actual_purchases"]
    order = out["predicted_purchases"].rank(method="first", ascending=False)
    out["prediction_decile"] = np.ceil(order * 10 / len(out)).astype(int)
    return out
