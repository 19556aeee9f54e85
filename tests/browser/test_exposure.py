"""Exposure: the explorer, started the README's way, listens on the loopback address only, makes
no network connection of its own while starting and serving a page, and refuses pages reached
under a host name it was not told about (DNS rebinding)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import REPO_ROOT, _free_port, _require_browser, wait_for_app

pytestmark = pytest.mark.browser

# Installed with PYTHONPATH into the explorer's interpreter: logs every socket the process binds
# or connects and every name it looks up (Python audit events), so nothing escapes the check.
SITECUSTOMIZE = """
import os, sys

_LOG = os.environ["SUFFICIENCY_NETWORK_AUDIT"]
_EVENTS = {"socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg",
           "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "urllib.Request"}

def _audit(event, args):
    if event in _EVENTS:
        detail = args[1] if event in ("socket.bind", "socket.connect", "socket.sendto") else args
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{event}\\t{detail!r}\\n")

sys.addaudithook(_audit)
"""


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket in LISTEN state on ``port`` (from /proc/net)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.fixture(scope="module")
def audited_explorer(tmp_path_factory):
    """``make run`` with the audit hook; yields (url, port, log path)."""
    _require_browser()
    folder = tmp_path_factory.mktemp("audit")
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = folder / "network.log"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(folder), "SUFFICIENCY_NETWORK_AUDIT": str(log)}
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
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
            pytest.fail(f"the explorer did not start: {process.stdout.read()[-3000:]}")
        time.sleep(0.5)
    yield url, port, log
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    process.stdout.close()


def test_listens_on_loopback_only_and_makes_no_network_call(audited_explorer, browser):
    url, port, log = audited_explorer
    assert _listening_addresses(port) == {"127.0.0.1"}
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/scenarios")
    page.get_by_text("Total cost (cash)", exact=True).wait_for(timeout=180_000)
    wait_for_app(page)
    context.close()
    events = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    assert events, "the audit hook did not run: the check would prove nothing"
    outward = []
    for line in events:
        event, detail = line.split("\t", 1)
        if event == "socket.bind":
            # the server's own listening socket, and Python's internal socket pairs
            assert "127.0.0.1" in detail or "''" in detail or "/" in detail, line
        elif event in ("socket.connect", "socket.sendto"):
            if not any(host in detail for host in ("127.0.0.1", "'localhost'", "::1", "'/")):
                outward.append(line)
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
            if not any(host in detail for host in ("127.0.0.1", "localhost", "::1")):
                outward.append(line)
    assert not outward, f"network calls beyond this computer: {outward[:5]}"


def test_a_page_under_another_host_name_is_refused(audited_explorer):
    """A hostile page using DNS rebinding reaches 127.0.0.1 under its own host name."""
    _, port, _ = audited_explorer
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: rebind.example.invalid:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        status = sock.recv(200).decode(errors="replace").split("\r\n")[0]
    assert " 101 " not in status, status  # no websocket, so no session and no data
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.replace("rebind.example.invalid", "127.0.0.1").encode())
        status = sock.recv(200).decode(errors="replace").split("\r\n")[0]
    assert " 101 " in status, status  # the same request under our own name is accepted


# Every page in the sidebar (app.py), by its address.
PAGES = (
    "",
    "demand",
    "scenarios",
    "recommended_plan",
    "campaign_funnel",
    "pipeline",
    "retention",
    "recruitment_calculator",
    "finance",
    "benchmarking",
    "model_quality",
    "data",
)


def test_the_browser_asks_nothing_beyond_this_computer(audited_explorer, browser):
    """Every page, as a browser shows it, loads only from this computer: no font, icon or script
    from the internet (a Material Symbols page icon made Streamlit point the browser's tab icon
    at fonts.gstatic.com, telling Google each time the explorer was opened)."""
    url, _, _ = audited_explorer
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []

    def record(request) -> None:
        address = urlparse(request.url)
        if address.scheme not in ("data", "blob", "about") and address.hostname not in (
            "127.0.0.1",
            "localhost",
        ):
            outside.append(request.url)

    page.on("request", record)
    for path in PAGES:
        page.goto(f"{url}/{path}")
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=180_000)
        wait_for_app(page)
    icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href")
    context.close()
    assert icon and not icon.startswith("https://"), icon
    assert not outside, f"the browser asked for {outside[:5]}"
