"""What the first page of a freshly started explorer pays for: only what it shows.

Issue 10 asks for every page's first render within 5 s on a freshly started server; these tests
keep the heavy imports off the path that builds the one model of the authority (the Start page's
work), and check the lighter functions used instead give exactly the same numbers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

REPO = Path(__file__).resolve().parents[1]


def test_building_the_authority_model_does_not_import_scipy_stats_or_sklearn():
    """Importing scipy.stats takes about a second, scikit-learn as long: the demo authority's
    model (demand model, carer survival, figures) is built without either."""
    script = (
        "import sys\n"
        "from sufficiency.scenario import fit_models\n"
        "models = fit_models()\n"
        "assert models.existing_carer_survival is not None\n"
        "heavy = [m for m in ('scipy.stats', 'sklearn', 'prophet', 'altair') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("q", [0.1, 0.9])
def test_gamma_quantile_without_scipy_stats_is_the_same_number(q):
    """retention.RetentionModel.fit computes gamma quantiles as scipy.stats does internally."""
    rng = np.random.default_rng(0)
    shape = np.concatenate([rng.gamma(1.0, 5.0, 5000), [1e-9, 0.5, 3.0, 200.0]])
    rate = np.concatenate([rng.gamma(1.0, 50.0, 5000) + 1e-3, [1.0, 2.0, 0.3, 7.0]])
    expected = stats.gamma.ppf(q, np.maximum(shape, 1e-9), scale=1 / rate)
    assert np.array_equal(special.gammaincinv(np.maximum(shape, 1e-9), q) * (1 / rate), expected)


@pytest.mark.parametrize("q", [0.5, 0.9, 0.975, 0.995, 1.0])
def test_normal_quantile_without_scipy_stats_is_the_same_number(q):
    """funnel.wilson_interval and retention.kaplan_meier use ndtri, scipy.stats' norm.ppf."""
    assert special.ndtri(q) == stats.norm.ppf(q)


def test_the_server_does_not_watch_source_files_or_force_a_full_collection_each_run():
    """Both cost every new session CPU (about 0.5 s and 0.2 s measured) for nothing a user sees."""
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False
