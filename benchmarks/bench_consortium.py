"""Benchmark: consortium mode's shrinkage towards the pool, backtested on three authorities.

The three synthetic authorities of the demand backtests (the demo, Westmoor County and Riverside
Borough: the project's seeded generator calibrated to three different real authorities' DfE
series) are taken as one consortium. At every origin (31 March and 30 September with two years
of history behind and a year of actuals ahead; from March 2017, so the entries level has its
four years) each authority's stock-flow model and the pooled model are fitted on the data up to
the origin, each authority's rates are shrunk towards the pool with strength ``k`` (child-months
per cell, :func:`sufficiency.national.consortium.shrink_towards_pool`), and the deterministic
mean path forecasts 12 and 24 months ahead. Printed side by side with carrying the last figure
forward (naive): MAE ratio against naive of each authority's total and of its placement
categories (summed over categories), by ``k`` and horizon.

Rule, written down before any score was computed: on the choosing origins (up to 31 March 2021)
the ``k`` with the lowest score wins, the score being the mean over authorities and horizons of
0.5 x (total MAE ratio) + 0.5 x (categories MAE ratio), the same score the demand model's
defaults were chosen by (docs/demand_defaults.md); ties go to the smaller ``k``. The origins after
March 2021 confirm it. Candidates: 0 (own rates), 30, 120, 480 and 100,000 (in effect the
pool's rates).

Limits: these authorities hold 300-700 children, none of them small, so this measures what
shrinkage costs or gains for mid-size authorities; the three share one generator, which may flatter
pooling. Run: ``.venv/bin/python benchmarks/bench_consortium.py`` (prints the load average; a
few minutes on a quiet 2-core machine).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sufficiency.data.ssda903 import read_903  # noqa: E402
from sufficiency.demand.panel import care_months, month_end_stock  # noqa: E402
from sufficiency.demand.projection import project_mean  # noqa: E402
from sufficiency.demand.stockflow import StockFlowModel  # noqa: E402
from sufficiency.demand.track_record import backtest_origins  # noqa: E402
from sufficiency.national.consortium import POOLED, shrink_towards_pool  # noqa: E402

AUTHORITIES = {
    "Northbridge (demo)": REPO / "data" / "demo",
    "Westmoor County": REPO / "data" / "test_authorities" / "westmoor",
    "Riverside Borough": REPO / "data" / "test_authorities" / "riverside",
}
CANDIDATES = (0.0, 30.0, 120.0, 480.0, 100_000.0)
HORIZONS = (12, 24)
FIRST_ORIGIN = pd.Timestamp("2017-03-31")
LAST_CHOOSING_ORIGIN = pd.Timestamp("2021-03-31")


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def panels() -> dict[str, pd.DataFrame]:
    out = {}
    for name, folder in AUTHORITIES.items():
        data = read_903(sorted(folder.glob("903_*")))
        out[name] = care_months(data.episodes, data.extract_date)
    keys = [c for c in next(iter(out.values())).columns if c != "children"]
    stacked = pd.concat(out.values(), ignore_index=True)
    out[POOLED] = stacked.groupby(keys, dropna=False, sort=True)["children"].sum().reset_index()
    return out


def main() -> int:
    started = time.perf_counter()
    print(f"load average before: {load()}")
    histories = panels()
    stocks = {
        name: month_end_stock(panel).groupby(["date", "placement_category"])["children"].sum()
        for name, panel in histories.items()
        if name != POOLED
    }
    dates = pd.to_datetime(histories[POOLED]["date"])
    origins = backtest_origins(dates, years=None, min_ahead_months=12)
    origins = origins[origins >= FIRST_ORIGIN]
    rows = []
    for origin in origins:
        fits = {
            name: StockFlowModel(max_horizon=max(HORIZONS)).fit(panel, origin=origin)
            for name, panel in histories.items()
        }
        pooled = fits.pop(POOLED)
        for name, own in fits.items():
            stock = stocks[name]
            last = stock.index.get_level_values("date").max()
            at_origin = stock.loc[origin]
            for k in CANDIDATES:
                params, share = shrink_towards_pool(own, pooled, histories[name], k)
                params = params.replace(exit_level_sd=0.0, exit_drift=0.0)
                path = project_mean(params, max(HORIZONS)).stock  # (H, B*C)
                by_cat = path.reshape(path.shape[0], len(params.age_bands), -1).sum(axis=1)
                for h in HORIZONS:
                    when = origin + pd.offsets.MonthEnd(h)
                    if when > last:
                        continue
                    actual = stock.loc[when].reindex(params.categories, fill_value=0)
                    naive = at_origin.reindex(params.categories, fill_value=0)
                    point = pd.Series(by_cat[h - 1], index=list(params.categories))
                    rows.append(
                        {
                            "authority": name,
                            "origin": origin,
                            "k": k,
                            "own_weight": share,
                            "horizon": h,
                            "total_error": abs(point.sum() - actual.sum()),
                            "total_naive": abs(naive.sum() - actual.sum()),
                            "cat_error": float((point - actual).abs().sum()),
                            "cat_naive": float((naive - actual).abs().sum()),
                        }
                    )
        print(f"  origin {origin:%b %Y} done ({time.perf_counter() - started:.0f} s)", flush=True)
    scored = pd.DataFrame(rows)
    scored["phase"] = np.where(scored["origin"] <= LAST_CHOOSING_ORIGIN, "choosing", "confirming")
    sums = scored.groupby(["phase", "k", "authority", "horizon"])[
        ["total_error", "total_naive", "cat_error", "cat_naive"]
    ].sum()
    sums["total_ratio"] = sums["total_error"] / sums["total_naive"]
    sums["cat_ratio"] = sums["cat_error"] / sums["cat_naive"]
    sums["score"] = 0.5 * sums["total_ratio"] + 0.5 * sums["cat_ratio"]
    weights = scored.groupby(["k", "authority"])["own_weight"].mean().unstack("authority")
    print("\nShare of each authority's rates resting on its own data, by k (mean over origins):")
    print(weights.round(3).to_string())
    for phase in ("choosing", "confirming"):
        part = sums.loc[phase]
        n = scored.loc[scored["phase"] == phase, "origin"].nunique()
        print(f"\n== {phase} origins ({n}): MAE ratio vs naive (total | placement categories)")
        print(part[["total_ratio", "cat_ratio"]].unstack("horizon").round(3).to_string())
        print("score by k (mean over authorities and horizons):")
        print(part["score"].groupby("k").mean().round(4).to_string())
    choosing = sums.loc["choosing", "score"].groupby("k").mean()
    best = float(choosing[choosing == choosing.min()].index.min())
    confirm = sums.loc["confirming", "score"].groupby("k").mean()
    print(
        f"\nRule's choice on the choosing origins: k = {best:g} (score {choosing[best]:.4f}); "
        f"on the confirming origins it scores {confirm.get(best, float('nan')):.4f} "
        f"(best there: k = {float(confirm.idxmin()):g}, {confirm.min():.4f})."
    )
    print(f"{time.perf_counter() - started:.0f} s; load average after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
