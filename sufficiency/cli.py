"""The ``sufficiency`` command.

Each subcommand lives in its own module under :mod:`sufficiency.commands` and exposes
``add_parser(subparsers)``, which registers the subcommand and sets ``func`` (taking the parsed
arguments and returning an exit status). User-facing problems raise :class:`SufficiencyError` and
are printed as one clear message; no Python traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sufficiency import __version__
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback

# One entry per subcommand module in sufficiency/commands/, in the order shown by --help.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "stocks",
    "fit",
    "forecast",
    "backtest",
    "national",
    "consortium",
    "funnel",
    "carers",
    "scenario",
    "plan",
)


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A tqdm progress bar on stderr, exposed as a library progress callback."""
    from tqdm import tqdm

    bar = tqdm(total=1, desc=description, unit="step", file=sys.stderr, leave=False)

    def update(done: int, total: int, message: str) -> None:
        bar.total = max(total, 1)
        bar.n = done
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="sufficiency",
        description=(
            "Forecast children looked after, model foster-carer supply and cost placement plans. "
            "Commands that take PATH use the embedded synthetic demo authority when no PATH is given."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sufficiency {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"sufficiency.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    for name, value in vars(args).items():
        if isinstance(value, float) and not math.isfinite(value):
            option = "--" + name.replace("_", "-")
            print(f"error: {option} must be a finite number (got {value}).", file=sys.stderr)
            return 2
    try:
        return int(args.func(args) or 0)
    except SufficiencyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - last line of defence: no traceback for users
        print(
            f"error: something went wrong that the tool did not expect ({type(error).__name__}). "
            "Please report it with the command you ran; no data was changed.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
