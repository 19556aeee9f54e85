"""Session 4's pre-registered round: entry-level recency and range calibration (demand model).

The candidates and the rule are in ``docs/demand_defaults.md`` ("Added 1 December 2026"),
committed before anything here was scored. Usage::

    python scripts/demand_round_2026_12.py point               # P0-P4, choosing origins, mean path
    python scripts/demand_round_2026_12.py ranges --point P0   # R0-R3, choosing origins, nested
    python scripts/demand_round_2026_12.py confirm --point P0 --ranges R0   # once, after choosing

``ranges`` and ``confirm`` refit the model at every origin (300 simulated paths, 1-60 months
ahead) and keep the raw forecasts in ``--cache``; ``ranges`` fits and scores the choosing origins
only, so nothing from a confirmation origin is computed before the choice is made.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from choose_demand_defaults import (  # noqa: E402
    CATEGORY_HORIZONS,
    LAST_CHOOSING_ORIGIN,
    load_authorities,
    phase_forecasts,
    point_scores,
    ratios,
    table_of,
)

from sufficiency.demand.own_choice import nested_forecasts, score_raw  # noqa: E402
from sufficiency.demand.stockflow import StockFlowModel  # noqa: E402
from sufficiency.spreadsheets import write_csv  # noqa: E402

POINT = {
    "P0": {"entry_level_months": 48, "entry_level_halflife": None},
    "P1": {"entry_level_months": 48, "entry_level_halflife": 24.0},
    "P2": {"entry_level_months": 48, "entry_level_halflife": 12.0},
    "P3": {"entry_level_months": 72, "entry_level_halflife": None},
    "P4": {"entry_level_months": 72, "entry_level_halflife": 24.0},
}
RANGES = {
    "R0": {"limits": (1.0, 4.0), "calibration": "by horizon"},
    "R1": {"limits": (0.5, 4.0), "calibration": "by horizon"},
    "R2": {"limits": (0.5, 4.0), "calibration": "by horizon, else pooled"},
    "R3": {"limits": (0.5, 4.0), "calibration": "pooled"},
}
POINT_MARGIN = 0.01
RANGE_MARGIN = 0.02
CACHE = Path("/tmp/sufficiency-demand-round-2026-12")
RESULTS = REPO / "docs" / "demand_round_2026_12.csv"


def _slug(name: str) -> str:
    return name.split()[0].lower()


def settings_of(point: str) -> dict:
    """Today's defaults with one point candidate's entry level."""
    return {**StockFlowModel().get_params(), **POINT[point], "duration_edges": ()}


def choose_point(authorities: dict) -> tuple[str, pd.DataFrame]:
    rows = []
    for key in POINT:
        started = time.perf_counter()
        found = ratios(point_scores(authorities, settings_of(key)))
        rows.append({"step": "point", "candidate": key, **POINT[key], **found})
        print(
            f"{key} {POINT[key]}: point score {found['score']:.3f} "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    frame = pd.DataFrame(rows)
    scores = frame.set_index("candidate")["score"]
    best = scores.min()
    chosen = "P0"
    if scores["P0"] - best > POINT_MARGIN:
        chosen = next(k for k in POINT if scores[k] <= best + POINT_MARGIN)
    print(f"-> point: {chosen} (P0 {scores['P0']:.3f}, best {best:.3f})")
    return chosen, frame


def raw_forecasts(authorities: dict, point: str, phase: str, folder: Path, n_paths: int) -> dict:
    """Raw simulated forecasts (bottom-up, 1-60 months) per authority for one phase's origins."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, authority in authorities.items():
        target = folder / f"{point}-{phase}-{_slug(name)}.pkl"
        if not target.exists():
            phase_forecasts(authority, settings_of(point), n_paths, phase).to_pickle(target)
        out[name] = pd.read_pickle(target)
    return out


def nested_scores(authorities: dict, raw: dict, ranges: str) -> pd.DataFrame:
    scored = []
    for name, authority in authorities.items():
        made = nested_forecasts(
            raw[name], authority["series"], choose_point=False, **RANGES[ranges]
        )
        extra = made[["unique_id", "origin", "horizon", "range_factor"]]
        result = score_raw(made, authority["series"]).merge(
            extra.rename(columns={"unique_id": "series_id"}),
            on=["series_id", "origin", "horizon"],
        )
        scored.append(result.assign(authority=name))
    return pd.concat(scored, ignore_index=True)


def coverage_distance(table: pd.DataFrame) -> tuple[float, float]:
    """Mean |coverage - 80%|: total at 12/24/36 months; categories at 12/24 months."""
    total = (table["total inside 80%"] - 0.8).abs().mean()
    cats = table[table["horizon"].isin(CATEGORY_HORIZONS)]
    return float(total), float((cats["categories inside 80%"] - 0.8).abs().mean())


def choose_ranges(authorities: dict, point: str, folder: Path, n_paths: int):
    raw = raw_forecasts(authorities, point, "choose", folder, n_paths)
    rows, tables = [], {}
    for key in RANGES:
        table = table_of(nested_scores(authorities, raw, key), "choose")
        tables[key] = table
        total, cats = coverage_distance(table)
        rows.append(
            {
                "step": "ranges",
                "candidate": key,
                "point": point,
                "total distance": total,
                "categories distance": cats,
            }
        )
        print(
            f"{key} {RANGES[key]}: total 80% coverage off by {total:.3f} on average, "
            f"categories {cats:.3f}",
            flush=True,
        )
    frame = pd.DataFrame(rows).set_index("candidate")
    incumbent = frame.loc["R0"]
    passing = frame[
        (frame["total distance"] < incumbent["total distance"] - RANGE_MARGIN)
        & (frame["categories distance"] <= incumbent["categories distance"] + RANGE_MARGIN)
    ]
    chosen = "R0" if passing.empty else passing["total distance"].idxmin()
    print(f"-> ranges: {chosen}")
    return chosen, frame.reset_index(), tables


def _print(table: pd.DataFrame, label: str) -> None:
    print(f"\n== {label}")
    cols = [
        "authority",
        "horizon",
        "origins",
        "total MAE",
        "naive total MAE",
        "total ratio",
        "category ratio",
        "total inside 80%",
        "categories inside 80%",
    ]
    print(table[cols].round(2).to_string(index=False))


def confirm(authorities: dict, point: str, ranges: str, folder: Path, n_paths: int):
    """Incumbent and chosen setting on both phases (the confirmation part scored once)."""
    rows = []
    for label, p, r in (
        ("incumbent P0+R0", "P0", "R0"),
        (f"chosen {point}+{ranges}", point, ranges),
    ):
        raw_choose = raw_forecasts(authorities, p, "choose", folder, n_paths)
        raw_confirm = raw_forecasts(authorities, p, "confirm", folder, n_paths)
        raw = {n: pd.concat([raw_choose[n], raw_confirm[n]], ignore_index=True) for n in raw_choose}
        scored = nested_scores(authorities, raw, r)
        chosen = scored["origin"] <= LAST_CHOOSING_ORIGIN
        for phase, part in (("choose", scored[chosen]), ("confirm", scored[~chosen])):
            table = table_of(part, phase)
            _print(table, f"{label}, {phase}")
            rows.append(table.assign(setting=label))
    return pd.concat(rows, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("point", "ranges", "confirm"))
    parser.add_argument("--point", default="P0", choices=list(POINT))
    parser.add_argument("--ranges", default="R0", choices=list(RANGES))
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--paths", type=int, default=300)
    args = parser.parse_args(argv)
    authorities = load_authorities()
    pd.set_option("display.width", 250)
    if args.step == "point":
        _, frame = choose_point(authorities)
        write_csv(frame, args.cache / "point.csv")
    elif args.step == "ranges":
        _, frame, tables = choose_ranges(authorities, args.point, args.cache, args.paths)
        for key, table in tables.items():
            _print(table, f"{args.point}+{key}, choosing origins")
        write_csv(frame, args.cache / "ranges.csv")
    else:
        found = confirm(authorities, args.point, args.ranges, args.cache, args.paths)
        write_csv(found, RESULTS)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
