"""The health runner: concurrency, per-check timeouts, errors as results, debouncing, Nagios output."""

from __future__ import annotations

import threading
import time
from typing import Any

from multicloud_ctl.operations.health.endpoints import Check
from multicloud_ctl.operations.health.model import CheckResult, HealthReport, Status
from multicloud_ctl.operations.health.nagios import render
from multicloud_ctl.operations.health.runner import Debouncer, run_checks


def sleeper(
    name: str,
    seconds: float,
    status: Status = Status.OK,
    timeout: float = 5.0,
    spans: list[tuple[float, float]] | None = None,
) -> Check:
    def run() -> CheckResult:
        began = time.monotonic()
        time.sleep(seconds)
        if spans is not None:
            spans.append((began, time.monotonic()))
        return CheckResult(name, "test", status, f"slept {seconds}")

    return Check(name, "test", timeout, run)


def test_checks_run_concurrently_and_keep_order() -> None:
    checks = [sleeper(f"c{i}", 0.2) for i in range(20)]
    report = run_checks(checks)
    assert [r.name for r in report.results] == [f"c{i}" for i in range(20)]
    assert all(r.status is Status.OK for r in report.results)
    assert report.elapsed_ms < 20 * 200 / 4  # far below running them one after another


def test_a_slow_check_times_out_without_holding_the_round() -> None:
    gate = threading.Event()

    def hang() -> CheckResult:
        gate.wait(10)
        return CheckResult("hang", "test", Status.OK, "late")

    report = run_checks([Check("hang", "test", 0.2, hang), sleeper("quick", 0.01)])
    gate.set()
    assert report.results[0].status is Status.CRITICAL and "timed out after 0.2s" in report.results[0].message
    assert report.results[1].status is Status.OK
    assert report.elapsed_ms < 2000


def test_a_round_of_many_slow_checks_takes_about_one_check_not_waves() -> None:
    """300 checks of 0.5 s: one worker each, so all run at once (64 workers took 5 waves).

    Shown by their spans (every check began before any ended), not by the round's wall time, which a
    loaded CI machine stretched past a bound (1.54 s against 1.5 s on 2026-12-05)."""
    spans: list[tuple[float, float]] = []
    checks = [sleeper(f"c{i}", 0.5, spans=spans) for i in range(300)]
    report = run_checks(checks)
    assert all(r.status is Status.OK for r in report.results) and len(spans) == 300
    assert max(b for b, _ in spans) < min(e for _, e in spans)  # one wave: in waves, the 65th began after the 1st ended


def test_the_round_deadline_reports_what_has_not_answered_and_ends_the_round() -> None:
    gate = threading.Event()

    def dead() -> CheckResult:  # a dead endpoint with a long connect timeout
        gate.wait(10)
        return CheckResult("dead", "test", Status.OK, "late")

    checks = [Check(f"dead{i}", "test", 5.0, dead) for i in range(3)] + [sleeper("quick", 0.01)]
    began = time.monotonic()
    report = run_checks(checks, deadline_s=0.5)
    took = time.monotonic() - began
    gate.set()
    assert took < 2.0  # not the checks' own 5 s
    timed_out = [r for r in report.results if r.name.startswith("dead")]
    assert all(r.status is Status.CRITICAL and "round's deadline (0.5s)" in r.message for r in timed_out)
    assert report.results[-1].status is Status.OK


def test_a_raising_check_is_unknown() -> None:
    def boom() -> CheckResult:
        raise RuntimeError("kaput")

    report = run_checks([Check("boom", "test", 1, boom)])
    assert report.results[0].status is Status.UNKNOWN and "kaput" in report.results[0].message
    assert report.status is Status.UNKNOWN


def test_skipped_does_not_degrade() -> None:
    report = HealthReport([CheckResult("a", "t", Status.OK, ""), CheckResult("b", "t", Status.SKIPPED, "")], "", 0)
    assert report.status is Status.OK


def _round(status: Status) -> HealthReport:
    return HealthReport([CheckResult("x", "t", status, "m")], "", 0)


def test_debouncer_needs_consecutive_failures_and_successes() -> None:
    d = Debouncer(failure_threshold=3, success_threshold=2)
    seen = [
        d.update(_round(s)).results[0].status
        for s in [
            Status.OK,
            Status.CRITICAL,
            Status.OK,
            Status.CRITICAL,
            Status.CRITICAL,
            Status.CRITICAL,
            Status.OK,
            Status.CRITICAL,
            Status.OK,
            Status.OK,
        ]
    ]
    assert seen == [
        Status.OK,
        Status.OK,
        Status.OK,
        Status.OK,
        Status.OK,
        Status.CRITICAL,
        Status.CRITICAL,
        Status.CRITICAL,
        Status.CRITICAL,
        Status.OK,
    ]


def test_debouncer_shows_raw_status() -> None:
    d = Debouncer(2, 2)
    d.update(_round(Status.OK))
    res = d.update(_round(Status.WARNING)).results[0]
    assert res.status is Status.OK and res.raw_status is Status.WARNING and "1/2" in res.message


def test_nagios_status_line_perfdata_and_code() -> None:
    report = HealthReport(
        [
            CheckResult("edge", "endpoint", Status.OK, "HTTP 200", value=4.25, unit="ms"),
            CheckResult("sync-lag", "sync_lag", Status.WARNING, "lag 90s", value=90, unit="s", warn=60, critical=300),
            CheckResult("sql", "sql", Status.SKIPPED, "n/a"),
        ],
        "",
        1,
    )
    lines, code = render(report)
    assert code == 1
    assert lines[0] == (
        "MCCTL HEALTH WARNING - 0 critical, 1 warning, 0 unknown, 1 ok | 'edge_ms'=4.25ms;;;0; 'sync-lag'=90s;60;300;0;"
    )
    assert lines[1:] == ["WARNING sync-lag: lag 90s"]
    crit = HealthReport(
        [CheckResult("a", "t", Status.CRITICAL, "down"), CheckResult("b", "t", Status.UNKNOWN, "?")], "", 0
    )
    assert render(crit)[1] == 2
    assert render(HealthReport([CheckResult("b", "t", Status.UNKNOWN, "?")], "", 0))[1] == 3


def asleeper(
    name: str, seconds: float, timeout: float = 5.0, fail: Exception | None = None, spans: list[Any] | None = None
) -> Check:
    """An awaited check (`Check.arun`): the runner puts these on its event loop, not on threads."""
    import asyncio

    async def arun() -> CheckResult:
        began = time.monotonic()
        await asyncio.sleep(seconds)
        if spans is not None:
            spans.append((began, time.monotonic()))
        if fail is not None:
            raise fail
        return CheckResult(name, "test", Status.OK, f"slept {seconds}")

    def run() -> CheckResult:
        raise AssertionError("an awaited check was run on a thread")

    return Check(name, "test", timeout, run, arun)


def test_awaited_checks_share_one_loop_keep_order_and_mix_with_threaded_ones() -> None:
    spans: list[tuple[float, float]] = []
    checks = [asleeper(f"a{i}", 0.3, spans=spans) for i in range(500)] + [sleeper("t", 0.3)]
    threads_before = threading.active_count()
    report = run_checks(checks)
    assert [r.name for r in report.results] == [f"a{i}" for i in range(500)] + ["t"]
    assert all(r.status is Status.OK for r in report.results)
    assert max(b for b, _ in spans) < min(e for _, e in spans)  # every one began before any ended: all at once
    assert all(r.duration_ms >= 290 for r in report.results)
    # 500 awaited checks: one loop thread, not 500 workers
    assert threading.active_count() - threads_before <= 3


def test_an_awaited_check_times_out_on_its_own_and_a_raising_one_is_unknown() -> None:
    checks = [
        asleeper("hang", 30, timeout=0.2),
        asleeper("quick", 0.01),
        asleeper("boom", 0, fail=RuntimeError("kaput")),
    ]
    report = run_checks(checks)
    hang, quick, boom = report.results
    assert hang.status is Status.CRITICAL and hang.message == "timed out after 0.2s"
    assert 200 <= hang.duration_ms < 10_000  # its 0.2 s, not the 30 s it would sleep
    assert quick.status is Status.OK
    assert boom.status is Status.UNKNOWN and "kaput" in boom.message
    assert report.elapsed_ms < 10_000


def test_the_round_deadline_ends_awaited_checks_and_says_which_had_not_started() -> None:
    checks = [asleeper(f"dead{i}", 30) for i in range(3)] + [asleeper("quick", 0.01)]
    began = time.monotonic()
    report = run_checks(checks, deadline_s=0.5, max_workers=2)  # two at once: dead2 and quick wait their turn
    assert time.monotonic() - began < 10.0  # the round's 0.5 s, not the checks' 30 s
    by = {r.name: r for r in report.results}
    assert "still running when the round's deadline (0.5s) passed" in by["dead0"].message
    assert "still running" in by["dead1"].message
    assert "not started when the round's deadline (0.5s) passed" in by["dead2"].message
    assert "not started" in by["quick"].message and by["quick"].status is Status.CRITICAL
