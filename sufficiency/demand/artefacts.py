"""Saved demand models: write a fitted stock-flow model to ``models/demand/`` and load it back.

What is written (all aggregate; no child identifier, date of birth or episode is ever written):

- ``manifest.json``: data fingerprint (a SHA-256 over the clean episodes, which cannot be reversed
  into the data), extract date, model settings, package versions, creation time, file checksums.
- ``stockflow_params.npz``: monthly transition probabilities by year of age, time in care and
  placement; move destinations; expected entries; entrants' ages (by month of age within each
  band, smoothed) and first placements; the uncertainty and drift settings; the range factors
  read off the backtest (`range_scale`, when calibrated).
- ``rates.csv``: every monthly rate with its (recency-weighted) events and exposure.
- ``structural_zeros.csv``: placements nobody is sent to, by age band, with the reason.
- ``stock_history.csv`` / ``entries_history.csv``: month-end stock and monthly entries by age band
  and placement.
- ``backtest.csv``: the rolling-origin backtest of the stock-flow model, when run.

The children at the forecast origin (by age in months, months in care and placement) are not
written: they are rebuilt from the data when a saved model is loaded for it (the fingerprint
guarantees it is the same data). A saved model is used only when its fingerprint and settings
match the data and settings asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import __version__
from sufficiency.demand.stockflow import StockFlowModel
from sufficiency.errors import SufficiencyError
from sufficiency.paths import models_dir
from sufficiency.spreadsheets import write_csv

FORMAT_VERSION = 5
MANIFEST = "manifest.json"
SUBFOLDER = "demand"

_FINGERPRINT_EXCLUDES = ("source_file", "source_row")


@dataclass
class FittedDemand:
    """A fitted stock-flow model with its backtest and the fingerprint of the data behind it.

    Attributes
    ----------
    model : StockFlowModel
        The fitted model.
    fingerprint : str
        :func:`data_fingerprint` of the episodes it was fitted on.
    extract_date : pandas.Timestamp
        The extract date of that data.
    backtest : pandas.DataFrame or None
        Backtest metric frame (:func:`sufficiency.demand.pipeline.backtest_stockflow`), if run.
    source : str
        ``"fitted"`` or the folder it was loaded from.
    """

    model: StockFlowModel
    fingerprint: str
    extract_date: pd.Timestamp
    backtest: pd.DataFrame | None = None
    source: str = "fitted"


def data_fingerprint(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> str:
    """A SHA-256 fingerprint of the clean episodes and extract date (row order does not matter).

    Only hashes of rows are combined; nothing about a child can be recovered from the result.
    File names and row numbers are left out so the same data read from renamed files matches.
    """
    columns = sorted(c for c in episodes.columns if c not in _FINGERPRINT_EXCLUDES)
    frame = episodes[columns].astype(object)
    frame = frame.where(frame.notna(), None).astype(str)
    row_hashes = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    digest = hashlib.sha256()
    digest.update(("|".join(columns) + f"|{pd.Timestamp(extract_date):%Y-%m-%d}").encode())
    digest.update(row_hashes.tobytes())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"sufficiency": __version__, "python": platform.python_version()}
    for package in ("prophet", "numpy", "pandas", "cmdstanpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_directory() -> Path:
    """``models/demand`` (``SUFFICIENCY_MODELS_DIR`` overrides ``models/``)."""
    return models_dir() / SUBFOLDER


_ARRAYS = (
    "exit_prob",
    "move_prob",
    "destination",
    "entry_mean",
    "entry_age",
    "entry_split",
    "arrival_allowed",
)
_SCALARS = ("entry_level_sd", "exit_level_sd", "entry_drift", "exit_drift", "mix_drift")


def save_fitted(fitted: FittedDemand, directory: Path | str | None = None) -> Path:
    """Write a fitted demand model to ``directory``; returns the manifest path.

    Parameters
    ----------
    fitted : FittedDemand
        The model, fingerprint and optional backtest.
    directory : path, optional
        Target folder (created if needed); defaults to :func:`default_directory`.
    """
    folder = Path(directory) if directory is not None else default_directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SufficiencyError(
            f"Cannot create the models folder {folder}: {error.strerror}. "
            "Choose a folder you can write to with --out."
        ) from error
    model = fitted.model
    params = model.params_
    written: list[Path] = []
    npz = folder / "stockflow_params.npz"
    arrays = {name: getattr(params, name) for name in _ARRAYS if name != "arrival_allowed"}
    arrays["arrival_allowed"] = model.transitions_.arrival_allowed
    arrays["ruled_out"] = params.ruled_out_cells
    if params.total_scale is not None:
        arrays["total_scale"] = params.total_scale
    if params.range_scale is not None:
        arrays["range_scale"] = params.range_scale
    np.savez_compressed(npz, **arrays)
    written.append(npz)
    for name, frame in (
        ("rates.csv", model.rates_),
        ("structural_zeros.csv", model.structural_zeros_),
        ("stock_history.csv", model.history_),
        ("entries_history.csv", model.entries_history_),
    ):
        write_csv(frame, folder / name)
        written.append(folder / name)
    if fitted.backtest is not None:
        write_csv(fitted.backtest, folder / "backtest.csv")
        written.append(folder / "backtest.csv")

    start, end = model.reference_period_
    manifest = {
        "kind": "sufficiency demand model (duration-aware stock-flow)",
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_fingerprint": fitted.fingerprint,
        "extract_date": f"{pd.Timestamp(fitted.extract_date):%Y-%m-%d}",
        "origin": f"{params.origin:%Y-%m-%d}",
        "reference_period": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"],
        "model_params": model.get_params(),
        "scalars": {name: float(getattr(params, name)) for name in _SCALARS},
        "duration_edges": list(params.duration_edges),
        "entries": {
            "series": list(model.entries_.series_),
            "methods": dict(model.entries_.methods_),
        },
        "structural_zero_reasons": {
            f"{band}|{category}": reason
            for (band, category), reason in model.transitions_.zero_reasons.items()
        },
        "notes": list(model.notes_),
        "reconcile": model.reconcile_,
        "own_choice": _own_choice_json(model.own_choice_),
        "states": {
            "age_bands": list(params.age_bands),
            "placement_categories": list(params.categories),
            "exit_reason_groups": list(params.exit_groups),
        },
        "versions": _versions(),
        "files": {path.name: _sha256(path) for path in written},
        "privacy": (
            "Aggregate counts and rates only; no child-level data is stored here (the children "
            "at the forecast origin are rebuilt from the data when it is loaded)."
        ),
    }
    manifest_path = folder / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest_path


def _own_choice_json(choice) -> dict | None:
    if choice is None:
        return None
    return {
        "reconcile": choice.reconcile,
        "scores": {name: float(score) for name, score in choice.scores.items()},
        "checks": int(choice.checks),
    }


def _own_choice_from(saved: dict | None, range_scale):
    from sufficiency.demand.own_choice import OwnChoice

    if saved is None:
        return None
    scale = range_scale if range_scale is not None else np.ones((1, 2))
    return OwnChoice(saved["reconcile"], dict(saved["scores"]), scale, int(saved["checks"]))


def read_manifest(directory: Path | str | None = None) -> dict | None:
    """The manifest in ``directory``, or None when there is none or it cannot be read."""
    folder = Path(directory) if directory is not None else default_directory()
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def matches(manifest: dict | None, fingerprint: str, model_params: dict | None = None) -> bool:
    """True when a manifest describes a model fitted on this data with these settings."""
    if not manifest or manifest.get("format_version") != FORMAT_VERSION:
        return False
    if manifest.get("data_fingerprint") != fingerprint:
        return False
    wanted = model_params if model_params is not None else StockFlowModel().get_params()
    return manifest.get("model_params") == wanted


@dataclass(frozen=True)
class _LoadedEntries:
    """What a saved model keeps of its entries model: the series and how each was forecast."""

    series_: tuple[str, ...]
    methods_: dict


def load_fitted(
    directory: Path | str | None = None,
    *,
    fingerprint: str | None = None,
    model_params: dict | None = None,
    panel: pd.DataFrame | None = None,
) -> FittedDemand | None:
    """Load a saved model; None when absent, stale (fingerprint/settings differ) or damaged.

    Parameters
    ----------
    directory : path, optional
        Folder holding ``manifest.json``; defaults to :func:`default_directory`.
    fingerprint : str, optional
        Required data fingerprint; when None any saved model is loaded.
    model_params : dict, optional
        Required model settings (default: :class:`StockFlowModel` defaults) when
        ``fingerprint`` is given.
    panel : pandas.DataFrame, optional
        The month-end care histories of the data the model was fitted on
        (:func:`sufficiency.demand.panel.care_months`): the children at the origin are rebuilt
        from them. Without it the model describes its rates and backtest but cannot forecast.
    """
    from sufficiency.demand.hazards import Transitions
    from sufficiency.demand.projection import ProjectionParams

    folder = Path(directory) if directory is not None else default_directory()
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("format_version") != FORMAT_VERSION:
        return None
    if fingerprint is not None and not matches(manifest, fingerprint, model_params):
        return None
    try:
        for name, checksum in manifest["files"].items():
            if _sha256(folder / name) != checksum:
                return None
        arrays = np.load(folder / "stockflow_params.npz")
        states = manifest["states"]
        model = StockFlowModel(**manifest["model_params"])
        origin = pd.Timestamp(manifest["origin"])
        reasons = {
            tuple(key.split("|", 1)): reason
            for key, reason in manifest["structural_zero_reasons"].items()
        }
        model.rates_ = pd.read_csv(folder / "rates.csv")
        model.transitions_ = Transitions(
            exit_prob=arrays["exit_prob"],
            move_prob=arrays["move_prob"],
            destination=arrays["destination"],
            arrival_allowed=arrays["arrival_allowed"],
            zero_reasons=reasons,
            duration_edges=tuple(manifest["duration_edges"]),
            rates=model.rates_,
            ruled_out=arrays["ruled_out"],
        )
        model.structural_zeros_ = pd.read_csv(folder / "structural_zeros.csv")
        model.history_ = pd.read_csv(folder / "stock_history.csv", parse_dates=["date"])
        model.entries_history_ = pd.read_csv(folder / "entries_history.csv", parse_dates=["ds"])
        model.reference_period_ = tuple(pd.Timestamp(d) for d in manifest["reference_period"])
        model.entries_ = _LoadedEntries(
            tuple(manifest["entries"]["series"]), dict(manifest["entries"]["methods"])
        )
        model.notes_ = []
        if panel is not None:
            start = model._start_population(panel, origin)
        else:
            cap = int(manifest["duration_edges"][-1]) if manifest["duration_edges"] else 0
            start = np.zeros((216, cap + 1, len(states["placement_categories"])))
        model.notes_ = list(manifest.get("notes", []))
        model.params_ = ProjectionParams(
            origin=origin,
            start_population=start,
            exit_prob=arrays["exit_prob"],
            move_prob=arrays["move_prob"],
            destination=arrays["destination"],
            duration_edges=tuple(manifest["duration_edges"]),
            entry_mean=arrays["entry_mean"],
            entry_age=arrays["entry_age"],
            entry_split=arrays["entry_split"],
            total_scale=arrays["total_scale"] if "total_scale" in arrays else None,
            range_scale=arrays["range_scale"] if "range_scale" in arrays else None,
            reset_duration_on_move=model.duration_clock == "placement",
            ruled_out=arrays["ruled_out"],
            age_bands=tuple(states["age_bands"]),
            categories=tuple(states["placement_categories"]),
            exit_groups=tuple(states["exit_reason_groups"]),
            **{name: float(value) for name, value in manifest["scalars"].items()},
        )
        model.reconcile_ = manifest["reconcile"]
        model.own_choice_ = _own_choice_from(manifest["own_choice"], model.params_.range_scale)
        backtest = None
        if (folder / "backtest.csv").is_file():
            backtest = pd.read_csv(folder / "backtest.csv", parse_dates=["origin", "ds"])
    except (OSError, KeyError, ValueError, TypeError):
        return None
    return FittedDemand(
        model=model,
        fingerprint=manifest["data_fingerprint"],
        extract_date=pd.Timestamp(manifest["extract_date"]),
        backtest=backtest,
        source=str(folder),
    )
