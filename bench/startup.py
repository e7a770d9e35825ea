"""Median wall time of fresh `mcctl --help` and `mcctl local status` processes (10 runs each).

    .venv/bin/python bench/startup.py [--runs 10] [--config-dir DIR]

`local status` exits 3 when the sandbox is down; only its time is measured here, not its verdict.
Target (issue #2): `mcctl --help` at most 100 ms on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def mcctl_command() -> list[str]:
    script = Path(sys.executable).with_name("mcctl")
    if script.exists():
        return [str(script)]
    found = shutil.which("mcctl")
    return [found] if found else [sys.executable, "-m", "multicloud_ctl"]


def time_runs(argv: list[str], runs: int) -> list[float]:
    env = {**os.environ, "NO_COLOR": "1"}
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--config-dir", default=None, help="environment directory for `local status`")
    args = parser.parse_args()
    base = mcctl_command()
    status = [*base, *(["--config-dir", args.config_dir] if args.config_dir else []), "local", "status"]
    time_runs([*base, "--help"], 1)  # warm the page cache and .pyc files
    print(f"{'command':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8}  (runs={args.runs})")
    for label, argv in (("mcctl --help", [*base, "--help"]), ("mcctl local status", status)):
        samples = time_runs(argv, args.runs)
        print(f"{label:<22} {statistics.median(samples):>10.1f} {min(samples):>8.1f} {max(samples):>8.1f}")


if __name__ == "__main__":
    main()
