"""``sufficiency national``: forecast every authority, region and England from the published tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sufficiency.commands.common import write_csv
from sufficiency.errors import SufficiencyError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``national`` subcommand."""
    parser = subparsers.add_parser(
        "national",
        help="forecast every authority, region and England from the published DfE tables",
        description=(
            "Forecast, for every English local authority, its region and England, the children "
            "looked after at 31 March (total, by age band and by placement type), the children "
            "who start and who cease to be looked after (total and by age band), for each year "
            "after the origin, with 80%% and 95%% ranges. Authorities add up to regions and "
            "regions to England. Methods were chosen by a pre-registered rolling-origin backtest "
            "(docs/national_preregistration.md). Writes new_la_code, la_name, time_period, "
            "measure (cla_31_march, starts, ceased), breakdown (Total, 'age: ...', "
            "'placement: ...'), point, lower80, upper80, lower95, upper95 and note (what was "
            "suppressed, missing or changed by a boundary change)."
        ),
    )
    parser.add_argument(
        "--data",
        default=None,
        metavar="DIR",
        help="published tables laid out like data/published/ (or a folder holding published/); "
        "default: the copy in this repository",
    )
    parser.add_argument(
        "--origin",
        type=int,
        default=None,
        metavar="YEAR",
        help="forecast from 31 March of this year (default: the latest published year)",
    )
    parser.add_argument(
        "--horizon", type=int, default=3, metavar="YEARS", help="years ahead, 1-10 (default 3)"
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    add_engine_arguments(parser)
    parser.set_defaults(func=run)


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """``--engine``, ``--scheduler`` and ``--workers`` (shared with ``scenario sweep``)."""
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: worker processes on this machine (default); dask: a Dask cluster "
        "(a new one on this machine, or --scheduler)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes to start (default: one per CPU core)",
    )


def published_folder(path: str | None) -> Path | None:
    """The published-tables folder for ``--data`` (accepts ``data/`` or ``data/published/``)."""
    if path is None:
        return None
    folder = Path(path)
    if not folder.is_dir():
        raise SufficiencyError(f"--data {path}: no such folder.")
    if not (folder / "dfe_cla").is_dir() and (folder / "published" / "dfe_cla").is_dir():
        return folder / "published"
    return folder


def run(args: argparse.Namespace) -> int:
    """Build the panel, forecast, write the CSV and say what was done."""
    from sufficiency.cli import progress_bar
    from sufficiency.distributed import engine, validate_engine
    from sufficiency.national.forecast import national_forecast
    from sufficiency.national.panel import build_panel

    validate_engine(args.engine, args.workers, args.scheduler)
    if not 1 <= args.horizon <= 10:
        raise SufficiencyError(f"--horizon must be 1 to 10 years, got {args.horizon}.")
    panel = build_panel(published_folder(args.data))
    origin = panel.last_year if args.origin is None else args.origin
    with engine(
        args.engine, args.workers, args.scheduler, preload=("sufficiency.national.evaluation",)
    ) as running:
        print(f"Running on the {running.describe()}.", file=sys.stderr)
        with progress_bar("Forecasting every authority") as progress:
            result = national_forecast(
                panel, origin, args.horizon, engine=running, progress=progress
            )
    write_csv(result.table, args.out)
    print(summary_text(result, panel.last_year))
    return 0


def summary_text(result, last_year: int) -> str:
    """What was forecast, how, what was left out and the method's track record."""
    from sufficiency.national.methods import METHODS
    from sufficiency.national.panel import CLA, MEASURE_WORDS, TOTAL
    from sufficiency.national.quality import track_record_sentence

    table = result.table
    england = table.loc[
        (table["new_la_code"] == "E92000001")
        & (table["measure"] == CLA)
        & (table["breakdown"] == TOTAL)
    ]
    authorities = table.loc[~table["new_la_code"].str.match(r"^E1[23]|^E92")]
    forecast = authorities.dropna(subset=["point"])["new_la_code"].nunique()
    lines = [
        f"Forecast from 31 March {result.origin} for {forecast} authorities, their regions and "
        f"England ({len(table):,} rows; {len(result.not_forecast)} authorities not forecast, "
        "listed below).",
    ]
    for method in dict.fromkeys(result.methods.values()):
        measures = [MEASURE_WORDS[m] for m, used in result.methods.items() if used == method]
        lines.append(f"Method for {'; '.join(measures)}: {method}, {METHODS[method]}.")
    for row in england.itertuples():
        lines.append(
            f"  England, 31 March {row.time_period}: {row.point:,.0f} children looked after "
            f"(80% range {row.lower80:,.0f}-{row.upper80:,.0f})"
        )
    if len(result.not_forecast):
        lines.append("Not forecast (rows kept with empty values and the reason in 'note'):")
        for row in result.not_forecast.itertuples():
            lines.append(
                f"  {row.la_name} ({row.la_code}): {row.reason.removeprefix('not forecast: ')}"
            )
    if result.origin >= last_year:
        lines.append(
            f"{result.origin} is the latest published year: nothing after it can be checked yet."
        )
    lines.append(track_record_sentence(result.methods[CLA]))
    return "\n".join(lines)
