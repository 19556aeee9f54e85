"""Choose the demand model's defaults by backtest on all test authorities (pre-registered rule).

Usage::

    python scripts/choose_demand_defaults.py choose     # stages 1-3 on the choosing origins
    python scripts/choose_demand_defaults.py ranges     # stage 4 (simulated ranges) on top
    python scripts/choose_demand_defaults.py confirm    # the chosen model on later origins, once
    python scripts/choose_demand_defaults.py placement  # time in the current placement (stage 1)

The rule is in ``docs/demand_defaults.md`` (committed before any confirmation origin was
scored). ``choose`` writes every candidate's scores to ``docs/demand_defaults_choosing.csv`` and
prints the winners; ``confirm`` scores the model with its current defaults on the confirmation
origins and prints both sets of figures side by side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sufficiency.data.ssda903 import read_903  # noqa: E402
from sufficiency.demand.backtest import score_forecasts  # noqa: E402
from sufficiency.demand.pipeline import demand_inputs  # noqa: E402
from sufficiency.demand.reconcile import SEPARATOR, stock_series  # noqa: E402
from sufficiency.demand.stockflow import (  # noqa: E402
    RECONCILE_METHODS,
    StockFlowModel,
    simulate_paths,
)
from sufficiency.demand.track_record import (  # noqa: E402
    backtest_forecasts,
    backtest_origins,
    forecast_at,
    series_values,
)
from sufficiency.spreadsheets import write_csv  # noqa: E402

LAST_CHOOSING_ORIGIN = pd.Timestamp("2021-03-31")
LONG_LEVEL_WINDOWS = (24, 48)
HORIZONS = (12, 24, 36)
CATEGORY_HORIZONS = (12, 24)
AUTHORITY_FOLDERS = {
    "Northbridge (demo)": REPO / "data" / "demo",
    "Westmoor County": REPO / "data" / "test_authorities" / "westmoor",
    "Riverside Borough": REPO / "data" / "test_authorities" / "riverside",
}
CHOOSING_CSV = REPO / "docs" / "demand_defaults_choosing.csv"
POINT_JSON = REPO / "docs" / "demand_defaults_point_settings.json"


def load_authorities() -> dict:
    """Month-end care histories and stock of every test authority."""
    out = {}
    for name, folder in AUTHORITY_FOLDERS.items():
        data = read_903(sorted(folder.glob("903_*")))
        inputs = demand_inputs(data.episodes, data.extract_date)
        series = stock_series(inputs.stock)
        series = series.loc[~series["unique_id"].str.contains(SEPARATOR, regex=False)]
        origins = backtest_origins(inputs.stock["date"], years=None, min_ahead_months=12)
        out[name] = {"inputs": inputs, "series": series, "origins": origins}
    return out


def origins_of(authority: dict, phase: str) -> pd.DatetimeIndex:
    origins = authority["origins"]
    if phase == "choose":
        return origins[origins <= LAST_CHOOSING_ORIGIN]
    return origins[origins > LAST_CHOOSING_ORIGIN]


def phase_forecasts(
    authority: dict, settings: dict, n_paths: int, phase: str | None = None, progress=None
) -> pd.DataFrame:
    """Raw simulated forecasts up to 60 months ahead (:func:`backtest_forecasts`) at the
    authority's origins of one phase (every origin when None); each origin's simulations are
    seeded by its place among all the authority's origins, whatever the phase."""
    everything = authority["origins"]
    origins = everything if phase is None else origins_of(authority, phase)
    first = int(everything.get_loc(origins[0])) if len(origins) else 0
    return backtest_forecasts(
        authority["inputs"].panel,
        authority["inputs"].stock,
        origins=origins,
        horizon=60,
        n_paths=n_paths,
        model_params=settings,
        random_state=first,
        progress=progress,
    )


def _horizon(authority: dict, origin: pd.Timestamp, most: int = max(HORIZONS)) -> int:
    last = pd.to_datetime(authority["inputs"].stock["date"]).max()
    return min(most, (last.year - origin.year) * 12 + last.month - origin.month)


def point_scores(authorities: dict, settings: dict, phase: str = "choose") -> pd.DataFrame:
    """Scored mean-path forecasts of every authority and origin for one setting."""
    frames = []
    for name, authority in authorities.items():
        model = StockFlowModel(**settings)
        pieces = [
            forecast_at(
                model, authority["inputs"].panel, origin, _horizon(authority, origin), n_paths=0
            )
            for origin in origins_of(authority, phase)
        ]
        scored = score_forecasts(pd.concat(pieces), authority["series"], authority["series"])
        frames.append(scored.assign(authority=name))
    return pd.concat(frames, ignore_index=True)


def ratios(scored: pd.DataFrame) -> dict:
    """R_total(a, h) and R_cat(a, h) and the point score of the rule."""
    out = {}
    naive_error = (scored["actual"] - scored["naive_forecast"]).abs()
    frame = scored.assign(_err=scored["MAE"], _naive=naive_error)
    totals, cats = [], []
    for name, rows in frame.groupby("authority"):
        for h in HORIZONS:
            sel = rows[(rows["series_id"] == "total") & (rows["horizon"] == h)]
            if len(sel):
                r = sel["_err"].sum() / sel["_naive"].sum()
                out[f"total {h}m {name}"] = r
                totals.append(r)
        for h in CATEGORY_HORIZONS:
            sel = rows[rows["series_id"].str.startswith("category: ") & (rows["horizon"] == h)]
            if len(sel):
                r = sel["_err"].sum() / sel["_naive"].sum()
                out[f"categories {h}m {name}"] = r
                cats.append(r)
    out["score"] = 0.5 * np.mean(totals) + 0.5 * np.mean(cats)
    return out


def coverage(scored: pd.DataFrame) -> dict:
    total = scored[(scored["series_id"] == "total") & scored["horizon"].isin(HORIZONS)]
    cats = scored[
        scored["series_id"].str.startswith("category: ") & scored["horizon"].isin(CATEGORY_HORIZONS)
    ]
    out = {
        "total inside 80%": total["coverage_80"].mean(),
        "categories inside 80%": cats["coverage_80"].mean(),
        "total inside 95%": total["coverage_95"].mean(),
    }
    for h in HORIZONS:
        out[f"total inside 80% at {h}m"] = total.loc[total["horizon"] == h, "coverage_80"].mean()
    return out


def _stage(authorities, name, candidates, base, rows) -> dict:
    """Score every candidate (dict of setting changes) on top of ``base``; return the winner."""
    results = []
    for change in candidates:
        settings = {**base, **change}
        started = time.perf_counter()
        found = ratios(point_scores(authorities, settings))
        results.append((change, found))
        rows.append({"stage": name, **{k: str(v) for k, v in change.items()}, **found})
        print(
            f"  {name} {change}: score {found['score']:.3f} "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    best = min(score for _, found in results for score in [found["score"]])
    # the simplest (earliest) candidate within 0.01 of the best
    for change, found in results:
        if found["score"] <= best + 0.01:
            print(f"  -> {name}: {change} (score {found['score']:.3f}, best {best:.3f})")
            return {**base, **change}
    raise AssertionError("unreachable")


def simulated_scores(authorities, settings, drifts, phase="choose", n_paths=300) -> dict:
    """Coverage of every drift setting, fitting once per authority and origin."""
    pieces = {key: [] for key in drifts}
    for name, authority in authorities.items():
        for i, origin in enumerate(origins_of(authority, phase)):
            horizon = _horizon(authority, origin)
            model = StockFlowModel(**{**settings, "max_horizon": horizon})
            model.fit(authority["inputs"].panel, origin=origin)
            dates = pd.date_range(model.params_.origin, periods=horizon + 1, freq="ME")[1:]
            for key, drift in drifts.items():
                params = model.params_.replace(**drift)
                draws = series_values(simulate_paths(params, horizon, n_paths, i), params)
                for series_id, values in draws.items():
                    q = np.quantile(values, [0.025, 0.1, 0.9, 0.975], axis=0)
                    pieces[key].append(
                        pd.DataFrame(
                            {
                                "unique_id": series_id,
                                "ds": dates,
                                "mean": values.mean(axis=0),
                                "p2_5": q[0],
                                "p10": q[1],
                                "p90": q[2],
                                "p97_5": q[3],
                                "method": "stockflow",
                                "origin": origin,
                                "horizon": np.arange(1, horizon + 1),
                                "authority": name,
                            }
                        )
                    )
    out = {}
    for key, frames in pieces.items():
        scored = []
        forecasts = pd.concat(frames, ignore_index=True)
        for name, authority in authorities.items():
            mine = forecasts[forecasts["authority"] == name].drop(columns="authority")
            scored.append(
                score_forecasts(mine, authority["series"], authority["series"]).assign(
                    authority=name
                )
            )
        out[key] = pd.concat(scored, ignore_index=True)
    return out


STAGE2 = (
    [
        {"entries_method": "damped", "entry_damping": damping, "entry_level_months": level}
        for damping, level in itertools.product((0.0, 0.8, 0.9, 0.95), (12, 6))
    ]
    + [
        # added after the first stage-2 run (disclosed in docs/demand_defaults.md)
        {"entries_method": "damped", "entry_damping": 0.0, "entry_level_months": level}
        for level in LONG_LEVEL_WINDOWS
    ]
    + [{"entries_method": "prophet"}]
)


def choose(authorities) -> dict:
    rows: list[dict] = []
    base = StockFlowModel(
        entries_method="damped", entry_damping=0.0, entry_level_months=12, reconcile="bottom-up"
    ).get_params()
    base["duration_edges"] = tuple(base["duration_edges"])
    print("Stage 1: rates")
    stage1 = [
        {"duration_edges": edges, "reference_months": ref, "halflife_months": half}
        for edges, ref, half in itertools.product(((), (3, 6, 12, 24)), (12, 24, 36), (None, 12.0))
    ]
    base = _stage(authorities, "rates", stage1, base, rows)
    print("Stage 2: entries")
    base = _stage(authorities, "entries", STAGE2, base, rows)
    print("Stage 3: reconciliation")
    base = _stage(
        authorities,
        "reconcile",
        [{"reconcile": method} for method in RECONCILE_METHODS],
        base,
        rows,
    )
    write_csv(pd.DataFrame(rows), CHOOSING_CSV)
    POINT_JSON.write_text(json.dumps(_jsonable(base), indent=2), encoding="utf-8")
    print("Chosen point settings:", _jsonable(base))
    return base


def resume(authorities, log: Path) -> dict:
    """Stages 2 (completed) and 3 after an interrupted ``choose`` run, reusing the scores its log
    printed: only candidates the log lacks are scored."""
    import ast
    import re

    rows: list[dict] = []
    seen: dict[str, list] = {"rates": [], "entries": []}
    for line in log.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s+(rates|entries) (\{.*\}): score ([0-9.]+)", line)
        if found:
            change = ast.literal_eval(found.group(2))
            seen[found.group(1)].append((change, {"score": float(found.group(3))}))
            rows.append(
                {
                    "stage": found.group(1),
                    **{k: str(v) for k, v in change.items()},
                    "score": float(found.group(3)),
                }
            )
    base = StockFlowModel(
        entries_method="damped", entry_damping=0.0, entry_level_months=12, reconcile="bottom-up"
    ).get_params()
    base["duration_edges"] = tuple(base["duration_edges"])
    base = _pick("rates", seen["rates"], base)
    print("Stage 2: entries (scores from the log, missing candidates scored now)")
    done = {json.dumps(change, sort_keys=True) for change, _ in seen["entries"]}
    results = []
    for change in STAGE2:
        key = json.dumps(change, sort_keys=True)
        if key in done:
            results.append(
                next(item for item in seen["entries"] if json.dumps(item[0], sort_keys=True) == key)
            )
            continue
        found = ratios(point_scores(authorities, {**base, **change}))
        rows.append({"stage": "entries", **{k: str(v) for k, v in change.items()}, **found})
        print(f"  entries {change}: score {found['score']:.3f}", flush=True)
        results.append((change, found))
    base = _pick("entries", results, base)
    print("Stage 3: reconciliation")
    reconcile = [{"reconcile": method} for method in RECONCILE_METHODS]
    base = _stage(authorities, "reconcile", reconcile, base, rows)
    write_csv(pd.DataFrame(rows), CHOOSING_CSV)
    POINT_JSON.write_text(json.dumps(_jsonable(base), indent=2), encoding="utf-8")
    print("Chosen point settings:", _jsonable(base))
    return base


def _pick(name: str, results: list, base: dict) -> dict:
    """The rule: the simplest (earliest) candidate within 0.01 of the best score."""
    best = min(found["score"] for _, found in results)
    for change, found in results:
        if found["score"] <= best + 0.01:
            print(f"  -> {name}: {change} (score {found['score']:.3f}, best {best:.3f})")
            return {**base, **change}
    raise AssertionError("unreachable")


def ranges(authorities) -> dict:
    """Stage 4 on top of the point settings chosen by stages 1-3 (``POINT_JSON``)."""
    base = json.loads(POINT_JSON.read_text(encoding="utf-8"))
    base["duration_edges"] = tuple(base["duration_edges"])
    rows = pd.read_csv(CHOOSING_CSV).to_dict("records") if CHOOSING_CSV.exists() else []
    rows = [row for row in rows if row["stage"] != "ranges"]
    print("Stage 4: ranges")
    drifts = {}
    for d, m in itertools.product((0.0, 0.05, 0.1, 0.15, 0.2, 0.3), (0.0, 0.1, 0.2, 0.3)):
        drifts[(d, m)] = {"entry_drift": d, "exit_drift": d, "mix_drift": m}
    scored = simulated_scores(authorities, base, drifts)
    found = {key: coverage(frame) for key, frame in scored.items()}
    for (d, m), cov in found.items():
        rows.append({"stage": "ranges", "entry_drift": d, "exit_drift": d, "mix_drift": m, **cov})
        print(
            f"  drift {d}, mix {m}: total {cov['total inside 80%']:.0%}, "
            f"categories {cov['categories inside 80%']:.0%}",
            flush=True,
        )
    best_d = min(
        {d for d, _ in found}, key=lambda d: abs(found[(d, 0.0)]["total inside 80%"] - 0.8)
    )
    best_m = min(
        {m for _, m in found},
        key=lambda m: abs(found[(best_d, m)]["categories inside 80%"] - 0.8),
    )
    base.update({"entry_drift": best_d, "exit_drift": best_d, "mix_drift": best_m})
    print(f"  -> ranges: drift {best_d}, mix {best_m}")
    write_csv(pd.DataFrame(rows), CHOOSING_CSV)
    print("Chosen:", {k: v for k, v in base.items() if k not in ("max_horizon", "random_state")})
    return base


def _jsonable(settings: dict) -> dict:
    out = dict(settings)
    out["duration_edges"] = [int(e) for e in out["duration_edges"]]
    return out


def table_of(scored: pd.DataFrame, phase: str) -> pd.DataFrame:
    """Per authority and horizon: MAE and its ratio to naive (total, categories), 80% coverage."""
    rows = []
    for name, mine in scored.groupby("authority"):
        for h in HORIZONS:
            total = mine[(mine["series_id"] == "total") & (mine["horizon"] == h)]
            cats = mine[mine["series_id"].str.startswith("category: ") & (mine["horizon"] == h)]
            if total.empty:
                continue
            naive = (total["actual"] - total["naive_forecast"]).abs()
            naive_cats = (cats["actual"] - cats["naive_forecast"]).abs()
            rows.append(
                {
                    "phase": phase,
                    "authority": name,
                    "horizon": h,
                    "origins": len(total),
                    "total MAE": total["MAE"].mean(),
                    "naive total MAE": naive.mean(),
                    "total ratio": total["MAE"].sum() / naive.sum(),
                    "category MAE": cats["MAE"].mean(),
                    "naive category MAE": naive_cats.mean(),
                    "category ratio": cats["MAE"].sum() / naive_cats.sum(),
                    "total inside 80%": total["coverage_80"].mean(),
                    "categories inside 80%": cats["coverage_80"].mean(),
                }
            )
    return pd.DataFrame(rows)


def report(authorities, phase: str) -> pd.DataFrame:
    """Point ratios and simulated coverage of the current defaults on one set of origins."""
    settings = StockFlowModel().get_params()
    scored = simulated_scores(authorities, settings, {"defaults": {}}, phase=phase, n_paths=1000)[
        "defaults"
    ]
    return table_of(scored, phase)


def placement_clock(authorities) -> None:
    """Time in the current placement, tried once as a stage-1 rates option (choosing origins).

    Markov against placement-duration bands 3, 6, 12, 24+ months, with stage 1's other settings
    (12 reference months, equal weights, entries flat at 12 months, bottom-up) and, for
    information, with today's defaults. Adopted only if it beats Markov by more than 0.01.
    """
    from types import SimpleNamespace

    from sufficiency.demand.panel import care_months

    with_clock = {}
    for name, folder in AUTHORITY_FOLDERS.items():
        data = read_903(sorted(folder.glob("903_*")))
        panel = care_months(data.episodes, data.extract_date, placement_months=True)
        inputs = SimpleNamespace(panel=panel, stock=authorities[name]["inputs"].stock)
        with_clock[name] = {**authorities[name], "inputs": inputs}
    stage1 = {"reference_months": 12, "halflife_months": None, "entry_level_months": 12}
    stage1.update(entries_method="damped", entry_damping=0.0, reconcile="bottom-up")
    for label, base in (("stage 1 settings", stage1), ("today's defaults", {})):
        for change in (
            {"duration_edges": ()},
            {"duration_edges": (3, 6, 12, 24), "duration_clock": "placement"},
            {"duration_edges": (3, 6, 12, 24), "duration_clock": "care"},
        ):
            found = ratios(point_scores(with_clock, {**base, **change}))
            print(f"  {label} {change}: score {found['score']:.3f}", flush=True)
            for key, value in found.items():
                if key != "score":
                    print(f"      {key}: {value:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "phase",
        choices=("choose", "resume", "ranges", "confirm", "report-choosing", "placement"),
    )
    parser.add_argument("--log", type=Path, help="resume: the interrupted choose run's output")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    authorities = load_authorities()
    for name, authority in authorities.items():
        print(
            f"{name}: {len(origins_of(authority, 'choose'))} choosing origins, "
            f"{len(origins_of(authority, 'confirm'))} confirmation origins"
        )
    if args.phase == "choose":
        choose(authorities)
    elif args.phase == "resume":
        resume(authorities, args.log)
    elif args.phase == "ranges":
        ranges(authorities)
    elif args.phase == "placement":
        placement_clock(authorities)
    elif args.phase == "report-choosing":
        print(report(authorities, "choose").round(3).to_string(index=False))
    else:
        both = pd.concat([report(authorities, "choose"), report(authorities, "confirm")])
        print(both.round(3).to_string(index=False))
        write_csv(both, REPO / "docs" / "demand_defaults_results.csv")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
