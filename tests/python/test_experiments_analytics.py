"""Experiments, campaign read-outs and analysis reports on the default sample, against `_truth/`.

- the SQL hash buckets equal an independent Python computation (md5 of '<salt>:<one_id>');
- the sample-ratio-mismatch test passes on the real split and fails on a skewed one;
- each campaign's lift confidence interval covers the generator's true uplift for most closed
  campaigns, the estimates move with the truth, and the pooled lift is positive;
- the web and app funnels reproduce the generator's stated browse-funnel rates.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import duckdb
from conftest import ANSI, run_dbt


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(workdir / "w.duckdb"), read_only=True)


def test_buckets_match_python_md5(default_sample: tuple[Path, Path]) -> None:
    workdir, _ = default_sample
    with _connect(workdir) as con:
        rows = con.execute(
            """
            select assignments.one_id, assignments.bucket, assignments.arm, experiments.salt,
                experiments.holdout_share
            from marts.fct_experiment_assignments as assignments
            inner join seeds.experiments as experiments using (experiment_id)
            """
        ).fetchall()
        n_customers = con.execute("select count(*) from marts.dim_customers").fetchone()[0]
    assert len(rows) >= n_customers > 1000
    for one_id, bucket, arm, salt, holdout_share in rows:
        digest = hashlib.md5(f"{salt}:{one_id}".encode()).hexdigest()
        assert bucket == int(digest[:8], 16) % 10_000
        assert arm == ("holdout" if bucket < round(holdout_share * 10_000) else "treatment")


def test_srm_check_passes_on_sample_and_fails_on_skewed_split(
    default_sample: tuple[Path, Path], tmp_path: Path
) -> None:
    workdir, raw = default_sample
    with _connect(workdir) as con:
        report = con.execute(
            "select experiment_id, chi_square, is_sample_ratio_mismatch, p_value"
            " from marts.rpt_experiment_srm"
        ).fetchall()
    assert report and not any(flag for _, _, flag, _ in report), report
    assert all(chi < 10.828 for _, chi, _, _ in report)
    # the SQL p-value (a normal-tail approximation) equals the exact chi-square(1) tail
    for _, chi, _, p_value in report:
        assert abs(p_value - math.erfc(math.sqrt(chi / 2))) < 1e-6

    # hold out 5 points too many customers (buckets 1000-1499) in one experiment, as a broken
    # exclusion list would: the SRM test must fail the build
    shutil.copy(workdir / "w.duckdb", tmp_path / "w.duckdb")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute(
            """
            update marts.fct_experiment_assignments set arm = 'holdout'
            where experiment_id = 'EXP2025_GLOBAL_HOLDOUT' and bucket < 1500
            """
        )
    result = run_dbt(["build", "-s", "rpt_experiment_srm"], raw, tmp_path)
    output = ANSI.sub("", result.stdout)
    assert result.returncode != 0, output[-3000:]
    srm_test = "persona_expression_is_true_rpt_experiment_srm_not_is_sample_ratio_mismatch"
    assert f"FAIL 1 {srm_test}" in output, output[-3000:]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        flagged = con.execute(
            "select experiment_id from marts.rpt_experiment_srm where is_sample_ratio_mismatch"
        ).fetchall()
    assert flagged == [("EXP2025_GLOBAL_HOLDOUT",)]


def test_campaign_lift_against_true_uplift(default_sample: tuple[Path, Path]) -> None:
    workdir, raw = default_sample
    truth = raw / "_truth" / "campaigns.parquet"
    with _connect(workdir) as con:
        rows = con.execute(
            f"""
            select report.campaign_id, report.lift, report.lift_ci_low, report.lift_ci_high,
                report.reach_treatment, report.converted_treatment, report.reach_control,
                report.converted_control, truth.true_uplift, report.is_window_closed
            from marts.rpt_campaign_performance as report
            inner join read_parquet('{truth}') as truth using (campaign_id)
            """
        ).fetchall()
        n_campaigns = con.execute(f"select count(*) from read_parquet('{truth}')").fetchone()[0]
    assert len(rows) == n_campaigns
    closed = [row for row in rows if row[9]]
    # the sample's last campaign (sent 2026-10-20) is still inside its 14-day window on 2026-10-31
    assert len(rows) - len(closed) >= 1
    assert len(closed) >= 40

    covered = sum(1 for row in closed if row[2] <= row[8] <= row[3])
    coverage = covered / len(closed)
    lifts = [row[1] for row in closed]
    uplifts = [row[8] for row in closed]
    correlation = _pearson(lifts, uplifts)
    print(f"coverage {covered}/{len(closed)} = {coverage:.3f}; correlation {correlation:.3f}")
    # measured (notes/experiments.md): 39 of 47 covered, correlation 0.31; with the day-file
    # generator (2026-12-06) 42 of 47 covered, correlation 0.018. The correlation is reported, not
    # asserted: the measured lift is about a quarter of the true uplift (the truth applies to
    # still-active buyers only: mean lift 0.008 against mean uplift 0.032), so its spread across
    # campaigns (0.25 * sd 0.011) is small against each campaign's standard error (0.023): the
    # expected correlation is about 0.12, with a standard error of 0.14 over 47 campaigns. What the
    # sample can show is asserted: the intervals cover the truth, and the pooled lift below.
    assert coverage >= 0.75

    # pooled over all closed campaigns the campaigns raise conversion beyond chance, but by less
    # than the true uplift: the truth applies to still-active buyers only (see the notes)
    x_t, n_t = sum(row[5] for row in closed), sum(row[4] for row in closed)
    x_c, n_c = sum(row[7] for row in closed), sum(row[6] for row in closed)
    p_t, p_c = x_t / n_t, x_c / n_c
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    pooled = p_t - p_c
    print(f"pooled lift {pooled:.4f} +/- {1.96 * se:.4f}")
    assert pooled - 1.96 * se > 0
    assert pooled < sum(uplifts) / len(uplifts)


def test_web_and_app_funnels_match_generator_rates(default_sample: tuple[Path, Path]) -> None:
    workdir, raw = default_sample
    config = json.loads((raw / "_truth" / "rates.json").read_text())["config"]
    stated = {
        "product_view": config["funnel_product_view"],
        "add_to_cart": config["funnel_add_to_cart"],
        "checkout": config["funnel_checkout"],
    }
    with _connect(workdir) as con:
        rows = con.execute(
            """
            select channel, step, step_conversion_rate from marts.rpt_funnel_by_channel
            where period = 'all' and channel in ('web', 'app')
                and step in ('product_view', 'add_to_cart', 'checkout')
            """
        ).fetchall()
    assert len(rows) == 6
    # the few order sessions (built backwards from a mall order) barely move browse-funnel rates
    for channel, step, rate in rows:
        assert abs(rate - stated[step]) < 0.03, (channel, step, rate, stated[step])


def _pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    return cov / math.sqrt(var_x * var_y)
