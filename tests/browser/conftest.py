"""Browser-test fixtures: the explorer started the way the README does, and headless Chromium.

The explorer is started with ``make run PORT=...`` (the README's command). Chromium is Debian's
``/usr/bin/chromium`` driven by Playwright. When ``SUFFICIENCY_REQUIRE_BROWSER`` is set (as in CI), a
missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _require_browser() -> None:
    missing = [tool for tool in (CHROMIUM,) if not shutil.which(tool)]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip)")
    if missing:
        message = f"browser tests need {', '.join(missing)}; run `bash .ci/run` or see the README"
        if os.environ.get("SUFFICIENCY_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def explorer_url():
    """Start the explorer as the README does and yield its URL; stop it afterwards."""
    _require_browser()
    port = _free_port()
    log_path = ARTIFACTS / "explorer.log"
    ARTIFACTS.mkdir(exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            pytest.fail(
                f"the explorer did not start; see {log_path}:\n{log_path.read_text()[-3000:]}"
            )
        time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium under Playwright."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, explorer_url):
    """A fresh browser page (new context, so no shared session state) on the explorer."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished running the page's script.

    Streamlit marks the app root with its script state (``data-test-script-state``, what
    Streamlit's own end-to-end tests wait on); a rerun in progress also marks elements
    ``data-stale="true"`` and may show a spinner. Spinners come and go between cached steps, so
    the script state is what says the run is over. Wait until it is ``notRunning``, nothing is
    stale or spinning, and the main block has content.
    """
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                ?.getAttribute('data-test-script-state') === 'notRunning'
            && !document.querySelector('[data-testid="stStatusWidget"]')
            && !document.querySelector('[data-stale="true"]')
            && !document.querySelector('[data-testid="stSpinner"]')
            && document.querySelectorAll('[data-testid="stMainBlockContainer"] *').length > 5""",
        timeout=120_000,
    )
    page.wait_for_timeout(500)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
