"""Run every check at once, each under its own timeout, and build the report.

Checks that have a coroutine (`Check.arun`: the endpoint probes) are awaited together on one event loop in a
thread of the round; the others (SDK calls: DynamoDB, SQL, queues) get a worker each (up to `MAX_WORKERS`, on
small stacks). So a round of N checks takes about as long as its slowest check, not N / pool-size waves of them,
and 2,000 probes do not cost 2,000 threads handing the GIL around (`bench/health.py`). A check that overruns
its timeout is reported critical ("timed out after Ns") as soon as its own deadline passes; the round never
waits for it (its thread is abandoned, not joined; its task is cancelled when the round ends). A round also
has a deadline of its own (`deadline_s`: in watch mode the interval), so a round never outlasts it: whatever
has not answered by then is reported timed out, queued or not. A check that raises becomes an `unknown`
result carrying the error, never a traceback.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any

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


def _timed_out(check: Check, now: float, t0: float | None, why: str) -> CheckResult:
    return CheckResult(
        check.name,
        check.kind,
        Status.CRITICAL,
        why,
        duration_ms=(now - (t0 if t0 is not None else now)) * 1000,
    )


async def _aguarded(check: Check, started: dict[str, float], limit: Any) -> CheckResult:
    """One awaited check under its semaphore slot and its own timeout (on the loop: no thread watches it)."""
    import asyncio

    async with limit:  # a check waiting here is queued: its clock has not started
        t0 = started[check.name] = time.monotonic()
        try:
            async with asyncio.timeout(check.timeout + GRACE_S):
                result = await _acall(check)
        except TimeoutError:
            return _timed_out(check, time.monotonic(), t0, f"timed out after {check.timeout:g}s")
        if not result.duration_ms:
            result.duration_ms = (time.monotonic() - t0) * 1000
        return result


async def _acall(check: Check) -> CheckResult:
    assert check.arun is not None
    try:
        result = await check.arun()
    except McctlError as exc:
        result = CheckResult(check.name, check.kind, Status.UNKNOWN, exc.message)
    except Exception as exc:  # as `_guarded`
        result = CheckResult(check.name, check.kind, Status.UNKNOWN, f"{type(exc).__name__}: {exc}")
    return result


async def _aall(items: list[tuple[int, Check]], started: dict[str, float], limit: int, out: dict[int, Any]) -> None:
    """Every awaited check of the round; each result lands in `out` as it comes (the round may end first)."""
    import asyncio

    sem = asyncio.Semaphore(limit)

    async def one(i: int, check: Check) -> None:
        out[i] = await _aguarded(check, started, sem)

    await asyncio.gather(*(one(i, c) for i, c in items))


class _Loop:
    """An event loop on a daemon thread for one round; `close` cancels what is still running (abandoned checks)."""

    def __init__(self) -> None:
        import asyncio

        self._asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="health-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio = self._asyncio
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()

    def submit(self, coro: Any) -> Future[None]:
        return self._asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


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
    awaited_results: dict[int, CheckResult] = {}  # written by the loop's thread as each check ends
    threaded = [i for i, c in enumerate(checks) if c.arun is None]
    awaited = [i for i, c in enumerate(checks) if c.arun is not None]
    futures: dict[Future[CheckResult], int] = {}
    pool = loop = None
    all_awaited: Future[None] | None = None
    if threaded:
        workers = min(max_workers or MAX_WORKERS, len(threaded))
        pool = DaemonPool(workers, name="health", stack_size=STACK_BYTES if workers > 64 else None)
        futures |= {pool.submit(_guarded, checks[i], started): i for i in threaded}
    if awaited:
        loop = _Loop()
        items = [(i, checks[i]) for i in awaited]
        all_awaited = loop.submit(_aall(items, started, max_workers or len(awaited), awaited_results))
    pending: set[Future[Any]] = set(futures) | ({all_awaited} if all_awaited is not None else set())
    round_end = began + deadline_s if deadline_s is not None else None
    try:
        while pending:
            now = time.monotonic()
            if round_end is not None and now >= round_end:
                late = [futures[f] for f in pending if f is not all_awaited]
                late += [i for i in awaited if i not in awaited_results] if all_awaited in pending else []
                for fut in pending:
                    fut.cancel()
                for i in late:
                    t0 = started.get(checks[i].name)
                    what = "still running" if t0 is not None else "not started"
                    why = f"timed out: {what} when the round's deadline ({deadline_s:g}s) passed"
                    results[i] = _timed_out(checks[i], now, t0, why)
                pending.clear()
                break
            deadlines = [round_end] if round_end is not None else []
            for fut in list(pending):
                if fut is all_awaited:
                    continue  # the loop times its own checks out
                check = checks[futures[fut]]
                t0 = started.get(check.name)
                if t0 is None:
                    continue  # still queued: its clock has not started
                if now > t0 + check.timeout + GRACE_S:
                    pending.discard(fut)
                    fut.cancel()
                    results[futures[fut]] = _timed_out(check, now, t0, f"timed out after {check.timeout:g}s")
                else:
                    deadlines.append(t0 + check.timeout + GRACE_S)
            if not pending:
                break
            wait_for = max(0.005, min(deadlines) - now) if deadlines else 0.25
            done, _ = wait(pending, timeout=min(wait_for, 0.25), return_when=FIRST_COMPLETED)
            for fut in done:
                pending.discard(fut)
                if fut is all_awaited:
                    fut.result()  # the gather's own failure (a bug) surfaces here
                    continue
                res = fut.result()
                if not res.duration_ms:
                    res.duration_ms = (time.monotonic() - started.get(res.name, began)) * 1000
                results[futures[fut]] = res
    finally:
        if pool is not None:
            pool.shutdown()
        if loop is not None:
            loop.close()
    for i in awaited:
        if i not in results:
            results[i] = awaited_results[i]
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
