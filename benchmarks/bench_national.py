"""Benchmark: national forecasts of every authority, accuracy against naive and speed per engine.

Accuracy (``--part accuracy``): every candidate method of ``sufficiency.national`` is fitted at
every origin 2011-2024 on the figures published up to that year and forecasts one to three years
ahead for every authority; 80%/95% ranges are calibrated on each method's earlier forecasts. It
prints, side by side with naive (carrying the last figure forward):

* the choosing set (origins 2013-2021, years up to 2021) and the rule's choice
  (``sufficiency/national/selection.py``, pre-registered in docs/national_preregistration.md);
* confirmation A: origins 2022-2024 (2022: 1-2 years ahead; 2023: 1 year; 2024: nothing to score);
* confirmation B: forecasts of 2022-2024 from origins 2019-2021 (1-3 years ahead);
* for the chosen method and naive, by region and by authority size; breakdowns.

Targets (authority totals of children looked after, chosen method, on the confirmation origins):
MAE ratio vs naive < 1 one year ahead and < 0.95 two and three years ahead; 80% ranges holding
70-90% of what happened.

Speed (``--part speed``): all authorities, origin 2024, horizon 3, totals and breakdowns, on the
local engine (2 worker processes), in this process, and on a 2-worker Dask LocalCluster (start-up
reported separately). Target: at most 60 s on the local engine; the cluster no slower than serial
once started.

Run: ``.venv/bin/python benchmarks/bench_national.py [--part accuracy|speed|all] [--fast]
[--write-results]`` (``--fast`` leaves out the slow single-series candidates, which take most of
the 10-25 minutes; ``--write-results`` saves the summaries the explorer shows in
``models/national/``). Prints the load average: figures
measured while other work runs on the machine are inflated.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sufficiency import spreadsheets  # noqa: E402
from sufficiency.distributed import engine  # noqa: E402
from sufficiency.national.evaluation import (  # noqa: E402
    add_ranges,
    rolling_forecasts,
    score,
    summarise,
    with_groups,
)
from sufficiency.national.forecast import breakdown_history, national_forecast  # noqa: E402
from sufficiency.national.panel import BREAKDOWNS, CLA, build_panel  # noqa: E402
from sufficiency.national.quality import quality_tables, save_quality  # noqa: E402
from sufficiency.national.selection import (  # noqa: E402
    CANDIDATES,
    CHOSEN,
    CONFIRMATION_ORIGINS,
    HELD_OUT_ORIGINS,
    HELD_OUT_YEARS,
    choose,
    choosing_set,
    scorecard,
)

FAST = ("naive", "pooled_trend", "stockflow", "pooled_regression")


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def table(summary: pd.DataFrame, index: list[str], methods: list[str]) -> str:
    """MAE ratio, MAE and coverage per method side by side."""
    rows = summary.loc[summary["method"].isin(methods)]
    wide = rows.pivot_table(
        index=index,
        columns="method",
        values=["mae_ratio_vs_naive", "MAE", "coverage_80", "coverage_95"],
    )
    parts = []
    for method in methods:
        if ("MAE", method) not in wide.columns:
            continue
        part = pd.DataFrame(
            {
                f"{method} ratio": wide[("mae_ratio_vs_naive", method)].round(3),
                f"{method} MAE": wide[("MAE", method)].round(1),
                f"{method} 80%": (100 * wide[("coverage_80", method)]).round(0),
                f"{method} 95%": (100 * wide[("coverage_95", method)]).round(0),
            }
        )
        parts.append(part)
    counts = rows.groupby(index)["forecasts"].max().rename("forecasts")
    return pd.concat([counts, *parts], axis=1).to_string()


def accuracy(
    fast: bool, workers: int, out: str | None, reuse: str | None, write_results: bool
) -> None:
    panel = build_panel()
    started = time.perf_counter()
    if reuse:
        forecasts = pd.read_csv(reuse, dtype={"la_code": str})
        methods = [m for m in CANDIDATES if m in set(forecasts["method"])]
    else:
        methods = list(FAST if fast else CANDIDATES)
        with engine("local", workers) as running:
            forecasts, _ = rolling_forecasts(
                panel, methods, range(2011, panel.last_year + 1), 3, engine=running
            )
        forecasts = add_ranges(forecasts)
    elapsed = time.perf_counter() - started
    if out:
        spreadsheets.write_csv(forecasts, out)
    if write_results:
        folder = save_quality(quality_tables(forecasts, panel))
        print(f"Saved the backtest summaries in {folder}.")
    scored = with_groups(score(forecasts), panel)
    print(
        f"Published DfE LA tables 2010-{panel.last_year}: {len(methods)} methods x origins "
        f"2011-{panel.last_year}, 1-3 years ahead, {scored['la_code'].nunique()} authorities "
        f"({elapsed:.0f} s, load average {load()})."
    )
    print(
        "ratio = total absolute error / naive's on the same forecasts (< 1 = better than "
        "carrying the last figure forward); 80%/95% = share of published figures inside the "
        "ranges.\n"
    )
    card = scorecard(choosing_set(scored))
    print("== Choosing set: origins 2013-2021, years up to 2021 (the rule's input)")
    print(card.round(3).to_string(index=False))
    rule = choose(card) if not fast else None
    if rule is not None:
        print(f"Rule's choice: {rule}; committed choice: {CHOSEN}")
        if rule != CHOSEN:
            print("WARNING: the rule no longer gives the committed choice.")
    chosen = CHOSEN[CLA]
    side = ["naive", chosen] + [m for m in methods if m not in ("naive", chosen)]

    confirm_a = scored.loc[scored["origin"].isin(CONFIRMATION_ORIGINS)]
    confirm_b = scored.loc[
        scored["origin"].isin(HELD_OUT_ORIGINS) & scored["year"].isin(HELD_OUT_YEARS)
    ]
    unscored = forecasts.loc[
        (forecasts["origin"] == panel.last_year) & (forecasts["method"] == chosen)
    ]
    for title, rows in (
        ("Confirmation A: origins 2022-2024 (the issue's)", confirm_a),
        ("Confirmation B: forecasts of 2022-2024 from origins 2019-2021", confirm_b),
    ):
        print(f"\n== {title}")
        summary = summarise(rows, ["measure", "horizon", "method"])
        print(table(summary, ["measure", "horizon"], side))
        by_origin = summarise(rows, ["measure", "origin", "horizon", "method"])
        cla = by_origin.loc[by_origin["measure"] == CLA]
        print("\nchildren looked after, by origin:")
        print(table(cla, ["origin", "horizon"], ["naive", chosen]))
        for group in ("region_name", "size_band"):
            grouped = summarise(rows.loc[rows["measure"] == CLA], [group, "horizon", "method"])
            print(f"\nchildren looked after, by {group.replace('_name', '').replace('_', ' ')}:")
            print(table(grouped, [group, "horizon"], ["naive", chosen]))
    print(
        f"\nOrigin {panel.last_year}: {len(unscored):,} forecasts of "
        f"{panel.last_year + 1}-{panel.last_year + 3} written by {chosen}; nothing to score yet "
        "(no later figures in data/published)."
    )
    targets(summarise(confirm_a, ["measure", "horizon", "method"]), chosen, "A")
    targets(summarise(confirm_b, ["measure", "horizon", "method"]), chosen, "B")
    breakdowns(panel, forecasts, chosen)


def targets(summary: pd.DataFrame, chosen: str, label: str) -> None:
    rows = summary.loc[(summary["measure"] == CLA) & (summary["method"] == chosen)]
    print(f"\nTargets on confirmation {label} ({chosen}, children looked after, authority totals):")
    for row in rows.itertuples():
        goal = 1.0 if row.horizon == 1 else 0.95
        met = "meets" if row.mae_ratio_vs_naive < goal else "MISSES"
        cover = "within" if 0.70 <= row.coverage_80 <= 0.90 else "OUTSIDE"
        print(
            f"  {row.horizon} year(s) ahead: MAE ratio {row.mae_ratio_vs_naive:.3f} ({met} "
            f"< {goal}), 80% coverage {row.coverage_80:.1%} ({cover} 70-90%), "
            f"{row.forecasts} forecasts"
        )
    if rows.empty:
        print("  nothing to score")


def breakdowns(panel, forecasts: pd.DataFrame, chosen: str) -> None:
    """Breakdown forecasts (chosen total x latest shares) against each group's last figure."""
    print("\n== Breakdowns (chosen method's total x latest shares) vs each group's last figure")
    rows = []
    for measure, families in BREAKDOWNS.items():
        totals = forecasts.loc[(forecasts["method"] == chosen) & (forecasts["measure"] == measure)]
        for family in families:
            for frame in breakdown_history(panel, totals, measure, family).values():
                frame = frame.loc[frame["actual"].notna()]
                frame = frame.assign(
                    measure=measure,
                    family=family,
                    split=np.where(
                        frame["origin"] >= 2022,
                        "A: origins 2022-2024",
                        np.where(frame["year"] <= 2021, "choosing", "other"),
                    ),
                )
                rows.append(frame)
    data = pd.concat(rows, ignore_index=True)
    data = data.loc[data["split"] != "other"]
    data["error"] = (data["actual"] - data["point"]).abs()
    data["naive_error"] = (data["actual"] - data["size"]).abs()
    summary = data.groupby(["split", "measure", "family", "horizon"])[
        ["error", "naive_error"]
    ].sum()
    summary["ratio"] = (summary["error"] / summary["naive_error"]).round(3)
    print(summary["ratio"].unstack("horizon").to_string())


def speed(workers: int) -> None:
    panel = build_panel()
    origin = panel.last_year
    print(f"\n== Speed: all authorities, origin {origin}, 3 years ahead, totals and breakdowns")
    print(f"load average before: {load()}")
    timings = {}
    started = time.perf_counter()
    serial = national_forecast(panel, origin, 3)
    timings["serial (this process)"] = (time.perf_counter() - started, 0.0)
    for kind in ("local", "dask"):
        started = time.perf_counter()
        with engine(kind, workers, preload=("sufficiency.national.evaluation",)) as running:
            up = time.perf_counter() - started
            work = time.perf_counter()
            result = national_forecast(panel, origin, 3, engine=running)
            done = time.perf_counter() - work
        timings[f"{kind} engine, {workers} workers"] = (done, up)
        same = result.table.equals(serial.table)
        print(f"{kind}: identical to serial: {same}")
    base = timings["serial (this process)"][0]
    print(f"{'engine':<28}{'work (s)':>10}{'start-up (s)':>14}{'total (s)':>11}{'vs serial':>11}")
    for name, (work, up) in timings.items():
        print(f"{name:<28}{work:>10.1f}{up:>14.1f}{work + up:>11.1f}{work / base:>11.2f}")
    local_total = sum(timings[f"local engine, {workers} workers"])
    print(
        f"Target: local engine <= 60 s: {local_total:.1f} s "
        f"({'meets' if local_total <= 60 else 'MISSES'}); Dask cluster no slower than serial once "
        f"started: {timings[f'dask engine, {workers} workers'][0] / base:.2f} x serial "
        f"({'meets' if timings[f'dask engine, {workers} workers'][0] <= base else 'MISSES'})."
    )
    print(f"{len(serial.table):,} rows; load average after: {load()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("accuracy", "speed", "all"), default="all")
    parser.add_argument("--fast", action="store_true", help="skip single-series candidates")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="write every forecast (CSV)")
    parser.add_argument("--reuse", default=None, help="summarise forecasts saved with --out")
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="save the summaries in models/national/ (read by the explorer and the CLI)",
    )
    args = parser.parse_args()
    if args.part in ("accuracy", "all"):
        accuracy(args.fast, args.workers, args.out, args.reuse, args.write_results)
    if args.part in ("speed", "all"):
        speed(args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
