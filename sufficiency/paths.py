"""Where the project's embedded data and fitted models live.

``SUFFICIENCY_DATA_DIR`` and ``SUFFICIENCY_MODELS_DIR`` override the defaults (the repository's
``data/`` and ``models/`` folders).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder holding embedded demo data and published tables."""
    return Path(os.environ.get("SUFFICIENCY_DATA_DIR", REPO_ROOT / "data"))


def demo_dir() -> Path:
    """The folder holding the synthetic demo authority's files."""
    return data_dir() / "demo"


def published_dir() -> Path:
    """The folder holding the copied published (DfE, ONS, Ofsted) tables."""
    return data_dir() / "published"


def models_dir() -> Path:
    """The folder fitted model artefacts are written to and read from."""
    return Path(os.environ.get("SUFFICIENCY_MODELS_DIR", REPO_ROOT / "models"))
