"""Nested backtest of the per-authority choices (point forecast and calibrated ranges).

Usage::

    python scripts/nested_demand_backtest.py cache [--paths 300]   # refit at every origin, once
    python scripts/nested_demand_backtest.py score                 # the nested choices, scored

``cache`` refits the stock-flow model (its defaults, bottom-up) at every origin of every test
authority and keeps the raw simulated forecasts (1-60 months ahead) in ``--cache``. ``score``
then replays what the product does at fit time, at each origin using only the origins before it
whose outcomes were known by then (:func:`sufficiency.demand.own_choice.nested_forecasts`), and
prints the MAE ratio against naive and the 80% coverage per authority, horizon and phase
(choosing origins to March 2021, confirmation origins after).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from choose_demand_defaults import (  # noqa: E402
    LAST_CHOOSING_ORIGIN,
    load_authorities,
    phase_forecasts,
)

from sufficiency.spreadsheets import write_csv  # noqa: E402

CACHE = Path("/tmp/sufficiency-nested-backtest")


def _slug(name: str) -> str:
    return name.split()[0].lower()


def cache(authorities: dict, folder: Path, n_paths: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, authority in authorities.items():
        target = folder / f"{_slug(name)}.pkl"
        if target.exists():
            print(f"{name}: cached already ({target})")
            continue
        started = time.perf_counter()

        def progress(done, total, message, name=name, started=started):
            print(f"  {name}: {message} ({time.perf_counter() - started:.1f} s)", flush=True)

        phase_forecasts(authority, {}, n_paths, progress=progress).to_pickle(target)


VARIANTS = {
    "old-default": {"choose_point": False, "calibrate": False},
    "widen-only": {"choose_point": False, "calibrate": True, "limits": (1.0, 4.0)},
    "widen-or-narrow": {"choose_point": False, "calibrate": True, "limits": (0.5, 4.0)},
    "own-point+widen-only": {"calibrate": True, "limits": (1.0, 4.0)},
    "own-point+widen-or-narrow": {"calibrate": True, "limits": (0.5, 4.0)},
}
HORIZONS = (12, 24, 36)


def summary(scored: pd.DataFrame, phase: str) -> list[dict]:
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
                    "category ratio": cats["MAE"].sum() / naive_cats.sum() if h <= 24 else None,
                    "total inside 80%": total["coverage_80"].mean(),
                    "total inside 95%": total["coverage_95"].mean(),
                    "categories inside 80%": cats["coverage_80"].mean() if h <= 24 else None,
                    "top-down chosen": (total["reconcile"] != "bottom-up").mean(),
                    "mean range factor": total["range_factor"].mean(),
                }
            )
    return rows


def score(authorities: dict, folder: Path, variants: list[str]) -> pd.DataFrame:
    from sufficiency.demand.own_choice import nested_forecasts, score_raw

    rows = []
    for variant in variants:
        options = VARIANTS[variant]
        scored = []
        for name, authority in authorities.items():
            raw = pd.read_pickle(folder / f"{_slug(name)}.pkl")
            made = nested_forecasts(raw, authority["series"], **options)
            extra = made[["unique_id", "origin", "horizon", "reconcile", "range_factor"]]
            result = score_raw(made, authority["series"]).merge(
                extra.rename(columns={"unique_id": "series_id"}),
                on=["series_id", "origin", "horizon"],
            )
            scored.append(result.assign(authority=name))
        scored = pd.concat(scored, ignore_index=True)
        choosing = scored[scored["origin"] <= LAST_CHOOSING_ORIGIN]
        confirming = scored[scored["origin"] > LAST_CHOOSING_ORIGIN]
        for phase, part in (("choose", choosing), ("confirm", confirming)):
            for row in summary(part, phase):
                rows.append({"variant": variant, **row})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("cache", "score"))
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--paths", type=int, default=300)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--phase-only", choices=("choose", "confirm"), default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    authorities = load_authorities()
    if args.phase == "cache":
        cache(authorities, args.cache, args.paths)
    else:
        found = score(authorities, args.cache, args.variants.split(","))
        if args.phase_only:
            found = found[found["phase"] == args.phase_only]
        pd.set_option("display.width", 250)
        for variant, rows in found.groupby("variant", sort=False):
            print(f"\n== {variant}")
            print(rows.drop(columns="variant").round(2).to_string(index=False))
        if args.out:
            write_csv(found, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
