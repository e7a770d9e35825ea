"""Run every check at once on a thread pool, each under its own timeout, and build the report.

One worker per check (up to `MAX_WORKERS`, on small stacks), so a round of N checks takes about as long as its
slowest check, not N / pool-size waves of them. A check that overruns its timeout is reported critical ("timed
out after Ns") as soon as its own deadline passes; the round never waits for it (its thread is abandoned, not
joined). A round also has a deadline of its own (`deadline_s`: in watch mode the interval), so a round never
outlasts it: whatever has not answered by then is reported timed out, queued or not. A check that raises
becomes an `unknown` result carrying the error, never a traceback.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING

from multicloud_ctl.engine.clock import Clock, default_clock
from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations.health.daemonpool import DaemonPool
from multicloud_ctl.operations.health.endpoints import Check, endpoint_checks
from multicloud_ctl.operations.health.model import CheckResult, HealthReport, Status

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.health import HealthSpec
    from multicloud_ctl.engine.runtime import Runtime

GRACE_S = 0.05
MAX_WORKERS = 2048  # a thread per check up to this (each on a STACK_BYTES stack)
STACK_BYTES = 512 * 1024


def build_checks(runtime: Runtime, spec: HealthSpec, only: list[str] | None = None) -> list[Check]:
    """Every check the playbook asks for (optionally only those whose name or kind is in `only`)."""
    from multicloud_ctl.operations.health.checks import data_checks

    checks = endpoint_checks(runtime.environment, spec.endpoints) + data_checks(runtime, spec.checks)
    if only:
        checks = [c for c in checks if c.name in only or c.kind in only or c.name.split("@")[0] in only]
    return checks


def _guarded(check: Check, started: dict[str, float]) -> CheckResult:
    started[check.name] = time.monotonic()
    try:
        return check.run()
    except McctlError as exc:
        return CheckResult(check.name, check.kind, Status.UNKNOWN, exc.message)
    except Exception as exc:  # a check's bug is a result, not a crash of the whole round
        return CheckResult(check.name, check.kind, Status.UNKNOWN, f"{type(exc).__name__}: {exc}")


def run_checks(
    checks: list[Check],
    *,
    max_workers: int | None = None,
    clock: Clock | None = None,
    deadline_s: float | None = None,
) -> HealthReport:
    """Run `checks` concurrently; results come back in the order of `checks`.

    `deadline_s`: the round ends this many seconds after it began, whatever is still running or queued."""
    began = time.monotonic()
    stamp = (clock or default_clock()).now().isoformat(timespec="seconds")
    if not checks:
        return HealthReport([], stamp, 0.0)
    started: dict[str, float] = {}
    results: dict[int, CheckResult] = {}
    workers = min(max_workers or MAX_WORKERS, len(checks))
    pool = DaemonPool(workers, name="health", stack_size=STACK_BYTES if workers > 64 else None)
    futures: dict[Future[CheckResult], int] = {pool.submit(_guarded, c, started): i for i, c in enumerate(checks)}
    pending = set(futures)
    round_end = began + deadline_s if deadline_s is not None else None
    try:
        while pending:
            now = time.monotonic()
            if round_end is not None and now >= round_end:
                for fut in pending:
                    fut.cancel()
                    check = checks[futures[fut]]
                    t0 = started.get(check.name)
                    what = "still running" if t0 is not None else "not started"
                    results[futures[fut]] = CheckResult(
                        check.name,
                        check.kind,
                        Status.CRITICAL,
                        f"timed out: {what} when the round's deadline ({deadline_s:g}s) passed",
                        duration_ms=(now - (t0 if t0 is not None else now)) * 1000,
                    )
                pending.clear()
                break
            deadlines = [round_end] if round_end is not None else []
            for fut in list(pending):
                check = checks[futures[fut]]
                t0 = started.get(check.name)
                if t0 is None:
                    continue  # still queued: its clock has not started
                if now > t0 + check.timeout + GRACE_S:
                    pending.discard(fut)
                    fut.cancel()
                    results[futures[fut]] = CheckResult(
                        check.name,
                        check.kind,
                        Status.CRITICAL,
                        f"timed out after {check.timeout:g}s",
                        duration_ms=(now - t0) * 1000,
                    )
                else:
                    deadlines.append(t0 + check.timeout + GRACE_S)
            if not pending:
                break
            wait_for = max(0.005, min(deadlines) - now) if deadlines else 0.01
            done, _ = wait(pending, timeout=min(wait_for, 0.25), return_when=FIRST_COMPLETED)
            for fut in done:
                pending.discard(fut)
                res = fut.result()
                if not res.duration_ms:
                    res.duration_ms = (time.monotonic() - started.get(res.name, began)) * 1000
                results[futures[fut]] = res
    finally:
        pool.shutdown()
    return HealthReport([results[i] for i in range(len(checks))], stamp, (time.monotonic() - began) * 1000)


class Debouncer:
    """Watch mode: a check's reported state flips only after N consecutive results agree (no flapping).

    Going from passing to failing takes `failure_threshold` failing rounds; back to ok takes
    `success_threshold` ok rounds. A check seen for the first time is reported as it is.
    """

    def __init__(self, failure_threshold: int, success_threshold: int) -> None:
        self.failure_threshold = failure_threshold
        self.success_threshold = success_threshold
        self._reported: dict[str, Status] = {}
        self._streak: dict[str, int] = {}
        self._lock = threading.Lock()

    def update(self, report: HealthReport) -> HealthReport:
        with self._lock:
            for res in report.results:
                raw = res.status
                res.raw_status = raw
                prev = self._reported.get(res.name)
                if prev is None or raw is Status.SKIPPED:
                    self._reported[res.name], self._streak[res.name] = raw, 0
                    continue
                if prev.failing == raw.failing:
                    self._reported[res.name], self._streak[res.name] = raw, 0
                    continue
                streak = self._streak.get(res.name, 0) + 1
                need = self.failure_threshold if raw.failing else self.success_threshold
                if streak >= need:
                    self._reported[res.name], self._streak[res.name] = raw, 0
                else:
                    self._streak[res.name] = streak
                    res.status = prev
                    res.message = f"{res.message} (seen {raw.value} {streak}/{need}, still reported {prev.value})"
        return report
