"""The national methods' track record: backtest results saved with the repository.

The full rolling-origin backtest (every candidate, every origin 2011-2024) takes tens of minutes,
so ``benchmarks/bench_national.py --write-results`` saves its summaries in ``models/national/``
and the explorer and ``sufficiency national`` read them from there. Each file says where it came
from in ``models/national/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import spreadsheets
from sufficiency.national.evaluation import score, summarise, with_groups
from sufficiency.national.methods import SHORT_NAMES
from sufficiency.national.panel import CLA, Panel
from sufficiency.national.selection import (
    CHOOSING_LAST_YEAR,
    CHOOSING_ORIGINS,
    CHOSEN,
    CONFIRMATION_ORIGINS,
    HELD_OUT_ORIGINS,
    HELD_OUT_YEARS,
)
from sufficiency.paths import models_dir

SPLITS: dict[str, str] = {
    "choosing": "choosing set: origins 2013-2021, years up to 2021 (the method was chosen here)",
    "confirmation A": "origins 2022-2023 checked against 2023-2024 (2024: nothing to check yet)",
    "confirmation B": "forecasts of 2022-2024 made from origins 2019-2021",
}
"""Parts of the backtest, in the words the explorer uses."""

SPLIT_LABELS: dict[str, str] = {
    "confirmation A": "Checked after the choice: forecasts from 2022 and 2023",
    "confirmation B": "Checked after the choice: forecasts of 2022-2024 from 2019-2021",
    "choosing": "Used to choose the method: forecasts of years up to 2021",
}
"""Short labels for the splits, most telling first."""

FILES = ("by_method", "by_region", "by_size", "by_authority")


def quality_folder() -> Path:
    """Where the saved backtest summaries live (``models/national/``)."""
    return models_dir() / "national"


def split_of(scored: pd.DataFrame) -> pd.Series:
    """Which part of the backtest each scored forecast belongs to (``''`` for none)."""
    choosing = scored["origin"].isin(CHOOSING_ORIGINS) & (scored["year"] <= CHOOSING_LAST_YEAR)
    confirm_a = scored["origin"].isin(CONFIRMATION_ORIGINS)
    confirm_b = scored["origin"].isin(HELD_OUT_ORIGINS) & scored["year"].isin(HELD_OUT_YEARS)
    labels = np.select(
        [choosing, confirm_a, confirm_b], ["choosing", "confirmation A", "confirmation B"], ""
    )
    return pd.Series(labels, index=scored.index)


def quality_tables(forecasts: pd.DataFrame, panel: Panel) -> dict[str, pd.DataFrame]:
    """Summaries of a backtest (:func:`~sufficiency.national.evaluation.add_ranges` output).

    Confirmation B overlaps the others in origins, so every table keeps ``split`` as a column.
    """
    scored = with_groups(score(forecasts), panel)
    parts = []
    for name in SPLITS:
        part = scored.loc[split_of(scored) == name].assign(split=name)
        parts.append(part)
    data = pd.concat(parts, ignore_index=True)
    base = ["split", "measure", "horizon", "method"]
    tables = {
        "by_method": summarise(data, base),
        "by_region": summarise(data, [*base, "region_name"]),
        "by_size": summarise(data, [*base, "size_band"]),
    }
    keep = sorted({"naive", "pooled_trend", *CHOSEN.values()})
    authority = data.loc[data["method"].isin(keep) & (data["measure"] == CLA)]
    tables["by_authority"] = summarise(
        authority, ["split", "horizon", "method", "la_code", "la_name", "region_name"]
    )
    return {name: table.round(4) for name, table in tables.items()}


def save_quality(tables: dict[str, pd.DataFrame], folder: Path | None = None) -> Path:
    """Write the summaries as CSV files in ``folder`` (default :func:`quality_folder`)."""
    folder = Path(folder) if folder is not None else quality_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        spreadsheets.write_csv(tables[name], folder / f"backtest_{name}.csv")
    return folder


def load_quality(folder: Path | None = None) -> dict[str, pd.DataFrame] | None:
    """The saved summaries, or ``None`` when they are missing."""
    folder = Path(folder) if folder is not None else quality_folder()
    try:
        return {name: pd.read_csv(folder / f"backtest_{name}.csv") for name in FILES}
    except FileNotFoundError:
        return None


def _change(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "could not be checked"
    if ratio < 0.995:
        return f"{1 - ratio:.0%} less error"
    if ratio > 1.005:
        return f"{ratio - 1:.0%} more error"
    return "about the same error"


def track_record_sentence(method: str, measure: str = CLA, folder: Path | None = None) -> str:
    """The method's confirmation figures in plain words (children looked after by default)."""
    tables = load_quality(folder)
    plain = SHORT_NAMES.get(method, method)
    if tables is None:
        return (
            f"No saved backtest for {plain}: run benchmarks/bench_national.py --write-results to "
            "see how it did against carrying the last figure forward."
        )
    rows = tables["by_method"]
    rows = rows.loc[(rows["method"] == method) & (rows["measure"] == measure)]
    sentences = []
    for split, intro in (
        (
            "confirmation A",
            "Checked on forecasts from 31 March 2022 and 2023 (after the method "
            "was chosen on earlier years)",
        ),
        ("confirmation B", "On forecasts of 2022-2024 made from 2019-2021"),
    ):
        part = rows.loc[rows["split"] == split].sort_values("horizon")
        if part.empty:
            continue
        bits = [
            f"{_change(r.mae_ratio_vs_naive)} {int(r.horizon)} year{'s' if r.horizon > 1 else ''} "
            f"ahead (80% ranges held {r.coverage_80:.0%})"
            for r in part.itertuples()
        ]
        sentences.append(
            f"{intro}, {plain} had {'; '.join(bits)} than carrying the last figure forward."
        )
    if not sentences:
        return f"{plain} has no confirmation figures in the saved backtest."
    return " ".join(sentences)


def weak_spots(
    tables: dict[str, pd.DataFrame], method: str, split: str, measure: str = CLA
) -> list[str]:
    """Plain sentences naming the regions and sizes where ``method`` did not beat naive."""
    out = []
    for name, column in (("by_region", "region_name"), ("by_size", "size_band")):
        rows = tables[name]
        rows = rows.loc[
            (rows["method"] == method) & (rows["split"] == split) & (rows["measure"] == measure)
        ]
        worse = rows.loc[rows["mae_ratio_vs_naive"] >= 1].sort_values([column, "horizon"])
        for group, part in worse.groupby(column, sort=False):
            years = ", ".join(
                f"{int(h)} year{'s' if h > 1 else ''} ahead ({r:.2f}, {int(n)} forecasts)"
                for h, r, n in zip(
                    part["horizon"], part["mae_ratio_vs_naive"], part["forecasts"], strict=True
                )
            )
            out.append(
                f"{str(group)[:1].upper()}{str(group)[1:]}: no better than carrying the last "
                f"figure forward {years}."
            )
    return out
