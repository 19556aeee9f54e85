"""Load test: several people using one explorer at once (target: p95 under 2 s with 10 sessions).

The explorer is started the README way (``make run``, listening on 127.0.0.1 only) and driven by
headless Chromium (Debian's ``/usr/bin/chromium``, Playwright). Each session is its own browser
context (its own Streamlit session, sharing the server's caches as real colleagues would) and
behaves like a commissioner: it opens the Scenario explorer on its "Entries and step-downs" tab,
then for the whole run moves one of the demand levers a step (step-downs, or entries for an age
band; each session walks its own values, so most changes are new scenarios, not cache hits),
waits for the page to redraw, looks at it for 3 to 8 seconds, and now and then opens another
page from the sidebar (Demand forecast, Placement budget, Children looked after) and comes back to
the explorer the same way (a click in the sidebar, as people move between pages: the same browser
tab and Streamlit session, not a reload).

Two phases in the same run: one session alone (the baseline), then N sessions at once. Each
interaction (a lever change, or one click in the sidebar) is timed in the page's own clock, from
the key press or click until the Streamlit run it caused has finished and two frames are painted.
Printed: first-load times, p50/p95/max of lever changes, of page changes and of all interactions
together (the target's figure; a run served from the cache can finish between two of the page's
frames, unseen by the page, and is then timed to the server's end-of-run message on the page's
websocket), p95 against the single session's, errors seen in any page
(exceptions, error boxes, lost connection), and the server's memory (resident set of the
explorer's processes) sampled through the run: at the start, the peak and at the end.

The browsers run on the same machine as the server and take CPU from it: the Streamlit front end
redraws every page it shows, work a real colleague's own computer would do. To keep the
measurement about the explorer, all sessions share one Chromium process (one browser context
each, as separate colleagues), with flags that cut the browser's own CPU (no GPU, no smooth
scrolling, no extensions, reduced motion, a 1280 x 800 window), and the page is checked for the
end of a run every 25 ms instead of on every animation frame. Both phases are timed the same
way. Printed for each phase: the CPU the explorer's processes, the browser's processes and the
rest of the machine used, and the load average (figures measured while other work runs are
inflated).

Run: ``.venv/bin/python benchmarks/bench_load.py [--sessions 10] [--minutes 4] [--baseline-minutes 2]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

TARGET_P95_MS = 2000.0
TOTAL_COST = "Total cost (cash)"
LEVERS_TAB = "Entries and step-downs"
SLIDERS = ("Step-downs", "Age 10-15 (% change)", "Age 5-9 (% change)", "Age 16-17 (% change)")
# sidebar titles of the pages a session visits now and then, and of the explorer
OTHER_PAGES = ("Demand forecast", "Placement budget", "Children looked after")
EXPLORER = "Scenario explorer"
THINK_SECONDS = (3.0, 8.0)
# Cut the browser's own CPU (it shares the 2 cores with the explorer it measures).
BROWSER_ARGS = [
    *CHROMIUM_ARGS,
    "--disable-extensions",
    "--disable-smooth-scrolling",
    "--mute-audio",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
VIEWPORT = {"width": 1280, "height": 800}

# Streamlit is done when nothing is marked stale, no status widget or spinner shows, and the main
# block has content (checked every 25 ms); then two frames are painted.
IDLE = """
async () => {
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const tick = () => new Promise(r => setTimeout(r, 25));
  const busy = () => document.querySelectorAll('[data-stale="true"]').length
    + (document.querySelector('[data-testid="stStatusWidget"]') ? 1 : 0)
    + (document.querySelector('[data-testid="stSpinner"]') ? 1 : 0);
  const t0 = performance.now();
  while (performance.now() - t0 < 120000) {
    await tick();
    const ready = document.querySelectorAll('[data-testid="stMainBlockContainer"] *').length > 5;
    if (busy() === 0 && ready) { await frame(); await frame(); return true; }
  }
  return false;
}
"""

# Arms a one-shot listener for the given event ('keydown' or 'click'): the key press or click
# starts the page clock; resolves to the milliseconds until the rerun it caused has finished (the
# app's run state is watched for every change; the end is checked every 25 ms) and two frames are
# painted.
ARM = """
(kind) => {
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const tick = () => new Promise(r => setTimeout(r, 25));
  const app = document.querySelector('[data-testid="stApp"]');
  const running = () => app.getAttribute('data-test-script-state') !== 'notRunning';
  const busy = () => document.querySelectorAll('[data-stale="true"]').length
    + (document.querySelector('[data-testid="stStatusWidget"]') ? 1 : 0) + (running() ? 1 : 0);
  // every change of the run state is seen, however short (no polling gap can miss a fast run)
  let sawRun = false;
  const watch = new MutationObserver(() => { if (running()) sawRun = true; });
  const waiter = async (t0) => {
    watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    try {
      while (performance.now() - t0 < 120000) {
        await tick();
        const b = busy();
        if (b > 0) sawRun = true;
        if (b === 0 && (sawRun || performance.now() - t0 > 3000)) {
          await frame(); await frame();
          // no run seen in 3 s: the key changed nothing (reported apart, not as a latency)
          return sawRun ? performance.now() - t0 : -1;
        }
      }
      return null;
    } finally { watch.disconnect(); }
  };
  window.__loadDone = null;
  document.addEventListener(kind, () => { window.__loadDone = waiter(performance.now()); },
                            {capture: true, once: true});
}
"""

ERRORS = """
() => [...document.querySelectorAll(
    '[data-testid="stException"], [data-testid="stAlertContentError"]')]
  .map(e => e.innerText.slice(0, 160))
  .concat(document.body.innerText.includes('Connection error') ? ['connection lost'] : [])
"""


class Stats:
    """Timings and errors of one phase."""

    def __init__(self) -> None:
        self.first_loads: list[float] = []
        self.changes: list[float] = []
        self.navigations: list[float] = []  # one click in the sidebar each
        self.timeouts = 0
        self.no_run = 0  # key presses or clicks that started no run (should be none)
        self.unmoved: list[str] = []  # of those, key presses that left the slider where it was
        self.missed: list[str] = []  # key presses that moved a slider but no run was seen
        self.fast_runs = 0  # runs the page did not show, timed by the server's end message
        self.errors: list[str] = []
        self.server_cpu = float("nan")
        self.browser_cpu = float("nan")
        self.machine_busy = float("nan")
        self.load: list[float] = []
        self.wall = float("nan")


async def wait_idle(page) -> None:
    if not await page.evaluate(IDLE):
        raise TimeoutError("the page did not finish within 120 s")


class RunEnds:
    """When the server said each of this page's runs finished (its ``script_finished``
    message arriving on the page's websocket, by this script's clock).

    A run served from the cache can start and finish between two of the page's frames, so the
    page's run state never shows it and the in-page waiter sees no run; the message still says
    when it ended.
    """

    def __init__(self, page) -> None:
        self.times: list[float] = []
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes | bytearray) or len(payload) > 1024:
            return  # a run's end is a short message; deltas with data are long
        message = ForwardMsg()
        try:
            message.ParseFromString(bytes(payload))
        except Exception:  # noqa: BLE001 - not a ForwardMsg: ignore
            return
        if message.WhichOneof("type") == "script_finished":
            self.times.append(time.perf_counter())

    def after(self, started: float) -> float | None:
        """Milliseconds from ``started`` to the first run end after it, if any."""
        ends = [t for t in self.times if t > started]
        return (min(ends) - started) * 1000 if ends else None


def timed_by_server(elapsed, started: float, ends: RunEnds, stats: Stats):
    """The page saw no run: if the server finished one after ``started``, time it by that."""
    if elapsed is not None and elapsed < 0:
        by_server = ends.after(started)
        if by_server is not None:
            stats.fast_runs += 1
            return by_server
    return elapsed


async def lever_change(
    page, rng: random.Random, position: dict, stats: Stats, ends: RunEnds
) -> float | None:
    label = rng.choice(SLIDERS)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
    try:  # the levers' tab is open; its sliders may still be drawing
        await slider.first.wait_for(timeout=30_000)
    except Exception:  # noqa: BLE001 - counted as a timed-out change
        return None
    # a random walk of each session's own values, kept inside the slider's range
    step = position.get(label, 0)
    key = "ArrowRight" if (step <= 0 or rng.random() < 0.5) and step < 12 else "ArrowLeft"
    # a key that cannot move the slider (already at its end) starts no run: the waiter would
    # count its 3 s fallback as a change, so go the other way
    # (Streamlit's slider thumb is an <input type="range"> with min, max and value)
    now = float(await slider.first.input_value())
    lowest = float(await slider.first.get_attribute("min") or "-inf")
    highest = float(await slider.first.get_attribute("max") or "inf")
    if key == "ArrowLeft" and now <= lowest:
        key = "ArrowRight"
    elif key == "ArrowRight" and now >= highest:
        key = "ArrowLeft"
    position[label] = step + (1 if key == "ArrowRight" else -1)
    await slider.first.focus()
    await page.evaluate(ARM, "keydown")
    started = time.perf_counter()
    await page.keyboard.press(key)
    elapsed = timed_by_server(await page.evaluate("() => window.__loadDone"), started, ends, stats)
    if elapsed is not None and elapsed < 0:
        # no run seen: did the key move the slider at all? (if it did, a run was missed)
        after = float(await slider.first.input_value())
        where = f"{label} {now:g} -> {after:g} ({key})"
        stats.unmoved.append(where) if after == now else stats.missed.append(where)
    return elapsed


async def navigate(page, title: str, stats: Stats, ends: RunEnds) -> float | None:
    """Click a page's link in the sidebar; milliseconds until that page's run has finished."""
    link = page.get_by_test_id("stSidebarNavLink").filter(has_text=title)
    await link.first.wait_for(timeout=30_000)
    await page.evaluate(ARM, "click")
    started = time.perf_counter()
    await link.first.click()
    return timed_by_server(await page.evaluate("() => window.__loadDone"), started, ends, stats)


def tally(elapsed: float | None, stats: Stats, timings: list[float]) -> None:
    """Count an interaction: timed out (None), started no run (negative) or its milliseconds."""
    if elapsed is None:
        stats.timeouts += 1
    elif elapsed < 0:
        stats.no_run += 1
    else:
        timings.append(elapsed)


async def visit(page, rng: random.Random, stats: Stats, ends: RunEnds) -> None:
    """Open another page from the sidebar, then come back to the explorer the same way."""
    for title in (rng.choice(OTHER_PAGES), EXPLORER):
        tally(await navigate(page, title, stats, ends), stats, stats.navigations)
        await wait_idle(page)
    await page.get_by_text(TOTAL_COST, exact=True).wait_for(timeout=180_000)
    await open_levers(page)


async def open_levers(page) -> None:
    """The demand sliders are on the explorer's 'Entries and step-downs' tab."""
    await page.get_by_role("tab", name=LEVERS_TAB, exact=True).click()
    await wait_idle(page)


async def session(browser, url: str, seed: int, deadline: float, stats: Stats) -> None:
    context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    context.set_default_timeout(180_000)
    page = await context.new_page()
    ends = RunEnds(page)
    rng = random.Random(seed)
    position: dict = {}
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/scenarios")
        await page.get_by_text(TOTAL_COST, exact=True).wait_for(timeout=300_000)
        await wait_idle(page)
        stats.first_loads.append(time.perf_counter() - started)
        await open_levers(page)
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
            if time.monotonic() >= deadline:
                break
            if rng.random() < 0.1:
                await visit(page, rng, stats, ends)
            else:
                tally(await lever_change(page, rng, position, stats, ends), stats, stats.changes)
                await wait_idle(page)
            stats.errors.extend(await page.evaluate(ERRORS))
    except Exception as error:  # noqa: BLE001 - a failed session is reported, not fatal
        stats.errors.append(f"session {seed}: {type(error).__name__}: {str(error)[:160]}")
    finally:
        await context.close()


def _server_processes(pid: int) -> list:
    import psutil

    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def server_memory_mb(pid: int) -> float:
    import psutil

    try:
        return sum(p.memory_info().rss for p in _server_processes(pid) if p.is_running()) / 1e6
    except psutil.Error:
        return float("nan")


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the explorer's processes have used so far."""
    import psutil

    try:
        times = [p.cpu_times() for p in _server_processes(pid)]
        return sum(t.user + t.system for t in times)
    except psutil.Error:
        return float("nan")


class BrowserCpu:
    """CPU time of this script's other child processes (Playwright's driver and Chromium's
    browser, renderer and utility processes), remembered per process as last seen, so
    renderers that close with their session still count."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.seen: dict[int, float] = {}

    def sample(self) -> float:
        import psutil

        server = {p.pid for p in _server_processes(self.server_pid)}
        for child in psutil.Process().children(recursive=True):
            if child.pid in server:
                continue
            try:
                times = child.cpu_times()
            except psutil.Error:
                continue
            self.seen[child.pid] = max(self.seen.get(child.pid, 0.0), times.user + times.system)
        return sum(self.seen.values())


def machine_busy_seconds() -> float:
    """CPU time the whole machine (every core) spent busy so far."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


async def run_phase(url: str, sessions: int, seconds: float, pid: int, memory: list) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    browsers = BrowserCpu(pid)
    browser_before = browsers.sample()
    cpu_before, busy_before = server_cpu_seconds(pid), machine_busy_seconds()
    wall_before = time.monotonic()
    deadline = time.monotonic() + seconds

    async def sample() -> None:
        while time.monotonic() < deadline + 5:
            memory.append(server_memory_mb(pid))
            stats.load.append(load_average())
            browsers.sample()
            await asyncio.sleep(2)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        sampler = asyncio.create_task(sample())
        await asyncio.gather(
            *(session(browser, url, 1000 * sessions + i, deadline, stats) for i in range(sessions))
        )
        sampler.cancel()
        stats.browser_cpu = browsers.sample() - browser_before
        await browser.close()
    stats.server_cpu = server_cpu_seconds(pid) - cpu_before
    stats.machine_busy = machine_busy_seconds() - busy_before
    stats.wall = time.monotonic() - wall_before
    return stats


def pct(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if len(ordered) < 2:
        return (ordered[0],) * 3 if ordered else (float("nan"),) * 3
    return (
        statistics.median(ordered),
        statistics.quantiles(ordered, n=20, method="inclusive")[18],
        ordered[-1],
    )


def describe(label: str, stats: Stats) -> float:
    """Print a phase's figures; returns the p95 of all its interactions (ms)."""
    p50, p95, worst = pct(stats.changes)
    n50, n95, nmax = pct(stats.navigations)
    a50, a95, amax = pct(stats.changes + stats.navigations)
    loads = ", ".join(f"{s:.1f}" for s in sorted(stats.first_loads))
    print(f"{label}:")
    print(f"  first load of the Scenario explorer (s): {loads or 'none completed'}")
    print(
        f"  lever change -> page redrawn (n={len(stats.changes)}): p50 {p50:,.0f} ms, "
        f"p95 {p95:,.0f} ms, max {worst:,.0f} ms"
    )
    print(
        f"  sidebar click -> other page drawn (n={len(stats.navigations)}): p50 {n50:,.0f} ms, "
        f"p95 {n95:,.0f} ms, max {nmax:,.0f} ms"
    )
    print(
        f"  all interactions (n={len(stats.changes) + len(stats.navigations)}"
        + (f", {stats.timeouts} timed out" if stats.timeouts else "")
        + (f", {stats.no_run} key presses or clicks started no run" if stats.no_run else "")
        + f"): p50 {a50:,.0f} ms, p95 {a95:,.0f} ms, max {amax:,.0f} ms"
    )
    interactions = len(stats.changes) + len(stats.navigations) + len(stats.first_loads)
    other = stats.machine_busy - stats.server_cpu - stats.browser_cpu
    print(
        f"  CPU over {stats.wall:,.0f} s (cores busy on average, of 2): explorer "
        f"{stats.server_cpu / stats.wall:.2f} ({stats.server_cpu / max(interactions, 1):.2f} s "
        f"a page run), browser {stats.browser_cpu / stats.wall:.2f}, everything else on the "
        f"machine {max(other, 0.0) / stats.wall:.2f}"
    )
    if stats.load:
        print(
            f"  load average during the phase: mean {statistics.mean(stats.load):.1f}, "
            f"max {max(stats.load):.1f}"
        )
    if stats.no_run:
        print(
            f"  of the {stats.no_run} that started no run: {len(stats.unmoved)} key presses left "
            f"the slider where it was, {len(stats.missed)} moved it with no run seen in 3 s"
            + (f" ({'; '.join(stats.missed[:5])})" if stats.missed else "")
            + (f"; unmoved e.g. {'; '.join(stats.unmoved[:3])}" if stats.unmoved else "")
        )
    if stats.fast_runs:
        print(
            f"  {stats.fast_runs} of these runs finished too fast for the page to show them "
            "running: timed to the server's end-of-run message (no paint time)"
        )
    unique = sorted(set(stats.errors))
    print(f"  errors seen: {len(stats.errors)}" + (f" ({'; '.join(unique[:5])})" if unique else ""))
    return a95


def start_explorer() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError("the explorer did not start within 240 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="sessions at once (default 10)")
    parser.add_argument("--minutes", type=float, default=4.0, help="length of the busy phase")
    parser.add_argument(
        "--baseline-minutes", type=float, default=2.0, help="length of the one-session phase"
    )
    args = parser.parse_args()
    if not 1 <= args.sessions <= 50 or not 0 < args.minutes <= 60:
        parser.error("--sessions must be 1-50 and --minutes 0-60")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install Debian's chromium to run the load test")
        return 0
    print(f"load average at start: {Path('/proc/loadavg').read_text().split()[:3]}")
    process, url = start_explorer()
    memory: list[float] = []
    try:
        single = asyncio.run(run_phase(url, 1, args.baseline_minutes * 60, process.pid, memory))
        memory_after_single = memory[-1] if memory else float("nan")
        busy_memory: list[float] = []
        busy = asyncio.run(
            run_phase(url, args.sessions, args.minutes * 60, process.pid, busy_memory)
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    print(f"load average at end: {Path('/proc/loadavg').read_text().split()[:3]}")
    print()
    single_p95 = describe("one session alone", single)
    busy_p95 = describe(f"{args.sessions} sessions at once for {args.minutes:g} minutes", busy)
    if busy_memory:
        print(
            f"server memory (resident, MB): {memory_after_single:,.0f} after the single session; "
            f"{busy_memory[0]:,.0f} at the start of the busy phase, peak {max(busy_memory):,.0f}, "
            f"{busy_memory[-1]:,.0f} at the end"
        )
    if single_p95 == single_p95 and single_p95 > 0:
        print(f"p95 with {args.sessions} sessions / p95 alone: {busy_p95 / single_p95:.1f}x")
    errors = len(single.errors) + len(busy.errors)
    verdict = "MET" if busy_p95 <= TARGET_P95_MS and errors == 0 else "NOT MET"
    print(
        f"target (no errors, p95 of all interactions <= {TARGET_P95_MS:,.0f} ms with "
        f"{args.sessions} sessions): {verdict} (p95 {busy_p95:,.0f} ms, {errors} errors)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
