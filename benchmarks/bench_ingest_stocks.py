"""Benchmark: read, validate and derive monthly stocks for a large authority.

Target (foundation issue): 10 years, about 60,000 episodes, under 5 s and under 1 GB peak memory on
a 2-core machine. The baseline in the same run is a bare ``pandas.read_csv`` of the same files, the
floor any reader pays; the ratio says what validation and cleaning cost on top.

Run: ``.venv/bin/python benchmarks/bench_ingest_stocks.py``
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SECONDS = 5.0
TARGET_PEAK_MB = 1024.0

MEASURE = r"""
import resource, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
mode = sys.argv[2]
import pandas as pd
start = time.perf_counter()
if mode == "baseline":
    frames = [pd.read_csv(path, dtype=str) for path in sorted(folder.rglob("*.csv"))]
    rows = sum(len(frame) for frame in frames)
else:
    from sufficiency.data.ssda903 import read_903
    from sufficiency.stocks import monthly_stock
    data = read_903([folder])
    stock = monthly_stock(data.episodes, data.extract_date)
    rows = len(data.episodes)
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak_mb:.0f} {rows}")
"""


def measure(folder: Path, mode: str) -> tuple[float, float, int]:
    """Run one measurement in a fresh interpreter so peak memory is its own."""
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder), mode],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), float(output[1]), int(output[2])


def main() -> int:
    from sufficiency.data.synthetic import generate_large_authority
    from sufficiency.spreadsheets import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tables = generate_large_authority(years=10, target_episodes=60_000, seed=2024)
        for name, frame in tables.items():
            write_csv(frame, folder / f"{name}.csv")
        # Import cost of pandas etc. is paid in both runs, so the ratio compares the work itself.
        baseline_seconds, baseline_mb, raw_rows = measure(folder, "baseline")
        best = min((measure(folder, "full") for _ in range(3)), key=lambda result: result[0])
    seconds, peak_mb, episodes = best
    print(f"large authority: {raw_rows:,} raw rows in all tables, {episodes:,} clean episodes")
    print(f"read + validate + monthly stocks: {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)")
    print(f"peak memory (max RSS):            {peak_mb:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB)")
    print(f"baseline bare read_csv:           {baseline_seconds:.2f} s, {baseline_mb:.0f} MB")
    print(f"ratio full / baseline time:       {seconds / baseline_seconds:.1f}x")
    met = seconds < TARGET_SECONDS and peak_mb < TARGET_PEAK_MB
    print("targets met" if met else "TARGETS NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
