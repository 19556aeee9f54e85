"""Saved demand models: write a fitted stock-flow model to ``models/demand/`` and load it back.

What is written (all aggregate; no child identifier, date of birth or episode is ever written):

- ``manifest.json``: data fingerprint (a SHA-256 over the clean episodes, which cannot be reversed
  into the data), extract date, model settings, package versions, creation time, file checksums.
- ``stockflow_params.npz``: start stock, monthly hazards, entry split and entry-mean paths.
- ``rates.csv``: every monthly rate with its events and exposure (child-months).
- ``stock_history.csv`` / ``entries_history.csv``: month-end stock and monthly entries by state.
- ``entries_<band>.json``: each Prophet entries model via ``prophet.serialize.model_to_json``
  (never pickle); fallback bands are described in the manifest.
- ``backtest.csv``: the rolling-origin backtest of the stock-flow model, when run.

A saved model is used only when its fingerprint and settings match the data and settings asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import __version__
from sufficiency.demand.entries import MonthlyEntries, _RecentMean
from sufficiency.demand.stockflow import StockFlowModel, StockFlowParams
from sufficiency.errors import SufficiencyError
from sufficiency.paths import models_dir
from sufficiency.spreadsheets import write_csv

FORMAT_VERSION = 2
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "series"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_directory() -> Path:
    """``models/demand`` (``SUFFICIENCY_MODELS_DIR`` overrides ``models/``)."""
    return models_dir() / SUBFOLDER


def save_fitted(fitted: FittedDemand, directory: Path | str | None = None) -> Path:
    """Write a fitted demand model to ``directory``; returns the manifest path.

    Parameters
    ----------
    fitted : FittedDemand
        The model, fingerprint and optional backtest.
    directory : path, optional
        Target folder (created if needed); defaults to :func:`default_directory`.
    """
    from prophet.serialize import model_to_json

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
    np.savez_compressed(
        npz,
        start_stock=params.start_stock,
        hazards=params.hazards,
        entry_split=params.entry_split,
        entry_mean=params.entry_mean,
        entry_samples=params.entry_samples,
        **{
            name: value
            for name, value in (
                ("exit_events", params.exit_events),
                ("move_events", params.move_events),
            )
            if value is not None
        },
    )
    written.append(npz)
    for name, frame in (
        ("rates.csv", model.rates_),
        ("stock_history.csv", model.history_),
        ("entries_history.csv", model.entries_history_),
    ):
        write_csv(frame, folder / name)
        written.append(folder / name)
    if fitted.backtest is not None:
        write_csv(fitted.backtest, folder / "backtest.csv")
        written.append(folder / "backtest.csv")

    entries = model.entries_
    entry_models: dict[str, dict] = {}
    for series_id in entries.series_:
        state = entries.models_[series_id]
        if isinstance(state, _RecentMean):
            entry_models[series_id] = {
                "method": entries.methods_[series_id],
                "total": state.total,
                "months": state.months,
            }
        else:
            path = folder / f"entries_{_slug(series_id)}.json"
            path.write_text(model_to_json(state), encoding="utf-8")
            written.append(path)
            entry_models[series_id] = {"method": entries.methods_[series_id], "file": path.name}

    start, end = model.reference_period_
    manifest = {
        "kind": "sufficiency demand model (stock-flow with Prophet entries)",
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_fingerprint": fitted.fingerprint,
        "extract_date": f"{pd.Timestamp(fitted.extract_date):%Y-%m-%d}",
        "origin": f"{params.origin:%Y-%m-%d}",
        "reference_period": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"],
        "model_params": model.get_params(),
        "entries": {
            "series": list(entries.series_),
            "last_date": f"{entries.last_date_:%Y-%m-%d}",
            "settings": {
                "min_history_months": entries.min_history_months,
                "fallback_months": entries.fallback_months,
                "yearly_fourier_order": entries.yearly_fourier_order,
                "changepoint_prior_scale": entries.changepoint_prior_scale,
                "growth": entries.growth,
                "n_samples": entries.n_samples,
                "random_state": entries.random_state,
            },
            "models": entry_models,
        },
        "states": {
            "age_bands": list(params.age_bands),
            "placement_categories": list(params.categories),
            "exit_reason_groups": list(params.exit_groups),
        },
        "versions": _versions(),
        "files": {path.name: _sha256(path) for path in written},
        "privacy": "Aggregate counts and rates only; no child-level data is stored here.",
    }
    manifest_path = folder / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest_path


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


def load_fitted(
    directory: Path | str | None = None,
    *,
    fingerprint: str | None = None,
    model_params: dict | None = None,
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
    """
    from prophet.serialize import model_from_json

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
        params = StockFlowParams(
            origin=pd.Timestamp(manifest["origin"]),
            start_stock=arrays["start_stock"],
            hazards=arrays["hazards"],
            entry_split=arrays["entry_split"],
            entry_mean=arrays["entry_mean"],
            entry_samples=arrays["entry_samples"],
            exit_events=arrays["exit_events"] if "exit_events" in arrays else None,
            move_events=arrays["move_events"] if "move_events" in arrays else None,
            age_bands=tuple(states["age_bands"]),
            categories=tuple(states["placement_categories"]),
            exit_groups=tuple(states["exit_reason_groups"]),
        )
        model = StockFlowModel(**manifest["model_params"])
        model.params_ = params
        model.rates_ = pd.read_csv(folder / "rates.csv")
        model.history_ = pd.read_csv(folder / "stock_history.csv", parse_dates=["date"])
        model.entries_history_ = pd.read_csv(folder / "entries_history.csv", parse_dates=["ds"])
        model.reference_period_ = tuple(pd.Timestamp(d) for d in manifest["reference_period"])

        info = manifest["entries"]
        entries = MonthlyEntries(**info["settings"])
        entries.series_ = tuple(info["series"])
        entries.last_date_ = pd.Timestamp(info["last_date"])
        entries.models_, entries.methods_ = {}, {}
        for series_id, spec in info["models"].items():
            entries.methods_[series_id] = spec["method"]
            if "file" in spec:
                text = (folder / spec["file"]).read_text(encoding="utf-8")
                entries.models_[series_id] = model_from_json(text)
            else:
                entries.models_[series_id] = _RecentMean(float(spec["total"]), int(spec["months"]))
        model.entries_ = entries

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
