"""Benchmark the run lifecycle's journal: cost per step at 100, 500 and 2,000 steps.

    .venv/bin/python bench/journal.py [--sizes 100 500 2000] [--repeat 3]

Runs plans of N no-op steps (each returning a provision-sized output, ~300 bytes) through `engine.run.run`
twice per size: with the journal (append-only JSON Lines, fsync at every step boundary) and through the bare
executor with no journal (the same events, nowhere to write them). The difference per step is the journal's
cost. Also prints the CPU it costs per step, the peak Python memory (tracemalloc) and the journal file size, and the
share of a sandbox `provision apply` (104 steps, 29.6 s when the machine is quiet) the journal would take.
Goal (issue 13): under 2 ms per step and under 5 % of a sandbox apply. Prints one table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from multicloud_ctl.config.loader import load_environment  # noqa: E402
from multicloud_ctl.engine.actions import ActionRegistry  # noqa: E402
from multicloud_ctl.engine.events import EventBus  # noqa: E402
from multicloud_ctl.engine.executor import Executor  # noqa: E402
from multicloud_ctl.engine.plan import Plan, Step  # noqa: E402
from multicloud_ctl.engine.run import Operation, run  # noqa: E402
from multicloud_ctl.engine.runtime import Runtime  # noqa: E402

SANDBOX_APPLY = (104, 29.6)  # steps, seconds (README: a quiet `local demo` provision apply)

REGISTRY = ActionRegistry()


@REGISTRY.register("bench.noop")
def _noop(runtime: Any, params: Any) -> Any:
    return {"address": params["address"], "changed": ["tags", "encryption"], "request_id": "x" * 32}


def plan_of(n: int) -> Plan:
    steps = tuple(
        Step(
            f"create:s3_bucket/bench-{i:05d}",
            "bench.noop",
            f"create s3 bucket bench-{i:05d} with tags and encryption",
            provider="aws",
            resource=f"bench-{i:05d}",
            params={"address": f"s3_bucket/bench-{i:05d}", "tags": {"env": "bench", "managed-by": "mcctl"}},
            rollback=Step(f"undo:{i}", "bench.noop", "delete it again", params={"address": f"bench-{i}"}),
        )
        for i in range(n)
    )
    return Plan("provision apply", steps)


def once(runtime: Runtime, plan: Plan, *, journal: bool) -> None:
    if journal:
        out = run(runtime, Operation("provision apply", lambda rt: plan, registry=REGISTRY))
        assert out.ok, out.error
    else:
        assert Executor(runtime, EventBus(), REGISTRY).run(plan).ok


def measure(runtime: Runtime, plan: Plan, *, journal: bool) -> dict[str, float]:
    """Wall and CPU seconds of one run, then (a second run under tracemalloc, which is slow) its peak memory."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    once(runtime, plan, journal=journal)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    tracemalloc.start()
    once(runtime, plan, journal=journal)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"wall": wall, "cpu": cpu, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = load_environment("local", REPO / "config").model_copy(update={"state_dir": Path(tmp)})
        runtime = Runtime(environment=env)
        for n in args.sizes:
            plan = plan_of(n)
            with_j = [measure(runtime, plan, journal=True) for _ in range(args.repeat)]
            bare = [measure(runtime, plan, journal=False) for _ in range(args.repeat)]
            wall_j = statistics.median(m["wall"] for m in with_j)
            wall_b = statistics.median(m["wall"] for m in bare)
            per_step_ms = max(0.0, wall_j - wall_b) / n * 1000
            newest = max((Path(tmp) / "local" / "journal").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
            rows.append(
                {
                    "steps": n,
                    "with_journal_s": round(wall_j, 4),
                    "without_s": round(wall_b, 4),
                    "journal_ms_per_step": round(per_step_ms, 3),
                    "cpu_ms_per_step": round(
                        max(
                            0.0, statistics.median(m["cpu"] for m in with_j) - statistics.median(m["cpu"] for m in bare)
                        )
                        / n
                        * 1000,
                        3,
                    ),
                    "peak_kib": round(max(m["peak"] for m in with_j) / 1024, 1),
                    "peak_kib_without": round(max(m["peak"] for m in bare) / 1024, 1),
                    "journal_kib": round(newest.stat().st_size / 1024, 1),
                }
            )
    head = ("steps", "with journal", "without", "ms/step", "cpu ms/step", "peak KiB", "(no journal)", "file KiB")
    print("{:>6} {:>13} {:>9} {:>8} {:>12} {:>9} {:>13} {:>9}".format(*head))
    for r in rows:
        print(
            f"{r['steps']:>6} {r['with_journal_s']:>12.3f}s {r['without_s']:>8.3f}s {r['journal_ms_per_step']:>8.3f}"
            f" {r['cpu_ms_per_step']:>12.3f} {r['peak_kib']:>9.1f} {r['peak_kib_without']:>13.1f}"
            f" {r['journal_kib']:>9.1f}"
        )
    worst = max(r["journal_ms_per_step"] for r in rows)
    share = worst * SANDBOX_APPLY[0] / 1000 / SANDBOX_APPLY[1] * 100
    print(
        f"worst journal cost {worst:.3f} ms/step = {share:.2f} % of a sandbox provision apply "
        f"({SANDBOX_APPLY[0]} steps)"
    )
    print(json.dumps({"bench": "journal", "rows": rows, "sandbox_apply_share_pct": round(share, 3)}))


if __name__ == "__main__":
    main()
