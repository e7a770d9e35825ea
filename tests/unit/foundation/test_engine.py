"""The run lifecycle, executor, journal and local lock: order, rollback, refusal, signals, dry run, statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.engine import events as ev
from multicloud_ctl.engine.actions import ActionRegistry
from multicloud_ctl.engine.clock import Clock
from multicloud_ctl.engine.events import RunStatus
from multicloud_ctl.engine.executor import Executor, StepContext
from multicloud_ctl.engine.journal import Journal, journal_dir, list_journals, load_journal
from multicloud_ctl.engine.lock import LocalLock
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.engine.run import LockSpec, Operation, run
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import (
    ConfirmationDeclined,
    Degraded,
    Interrupted,
    LockHeld,
    OperationFailed,
    UsageError,
)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    env = load_environment("local", REPO / "config").model_copy(update={"state_dir": tmp_path})
    return Runtime(environment=env, clock=Clock.pinned("2026-03-01T00:00:00Z"))


@pytest.fixture
def world() -> tuple[ActionRegistry, list[str]]:
    calls: list[str] = []
    reg = ActionRegistry()

    @reg.register("record")
    def record(rt: Runtime, params: Any) -> Any:
        calls.append(params["name"])
        return {"did": params["name"]}

    @reg.register("fail")
    def fail(rt: Runtime, params: Any) -> Any:
        calls.append("fail")
        raise OperationFailed("boom")

    @reg.register("interrupt")
    def interrupt(rt: Runtime, params: Any) -> Any:
        raise KeyboardInterrupt

    @reg.register("sigterm")
    def sigterm(rt: Runtime, params: Any) -> Any:
        calls.append("sigterm")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal interrupts this
        calls.append("not-interrupted")

    @reg.register("check")
    def check(rt: Runtime, params: Any) -> Any:
        if not params["ok"]:
            raise OperationFailed("target does not serve")
        return True

    return reg, calls


def step(name: str, *, undo: str | None = None, action: str = "record") -> Step:
    rollback = (
        Step(id=f"undo-{name}", action="record", description=f"undo {name}", params={"name": undo}) if undo else None
    )
    return Step(id=name, action=action, description=f"do {name}", params={"name": name}, rollback=rollback)


def op_for(reg: ActionRegistry, *steps: Step, verify: tuple[Step, ...] = (), **kw: Any) -> Operation:
    return Operation("test", lambda rt: Plan("test", steps=steps, verify=verify), registry=reg, **kw)


def declined(question: str, *, typed: str | None = None) -> None:
    raise ConfirmationDeclined("not confirmed; nothing was changed")


def record_of(runtime: Runtime, run_id: str) -> dict[str, Any]:
    return load_journal(runtime.state_dir, run_id)


def test_steps_are_frozen() -> None:
    s = step("a")
    with pytest.raises(AttributeError):
        s.id = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.params["name"] = "x"  # type: ignore[index]


def test_ok_runs_steps_in_order_and_journals_jsonl(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    out = run(runtime, op_for(reg, step("a"), step("b"), inputs={"x": 1}))
    assert out.status is RunStatus.OK and out.error is None and calls == ["a", "b"]
    path = journal_dir(runtime.state_dir) / f"{out.run_id}.jsonl"
    kinds = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert kinds == [
        "run_started",
        "plan",
        "step_started",
        "step_finished",
        "step_started",
        "step_finished",
        "run_finished",
    ]
    rec = record_of(runtime, out.run_id)
    assert rec["status"] == "ok" and rec["inputs"] == {"x": 1}
    assert [s["id"] for s in rec["steps"]] == ["a", "b"]
    assert rec["steps"][0]["output"] == {"did": "a"} and rec["steps"][0]["start"].startswith("2026-03-01T")
    assert rec["started"].endswith("Z") and rec["duration_s"] is not None


def test_failure_rolls_back_completed_steps_in_reverse(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    out = run(runtime, op_for(reg, step("a", undo="undo-a"), step("b", undo="undo-b"), step("c", action="fail")))
    assert calls == ["a", "b", "fail", "undo-b", "undo-a"]
    assert out.status is RunStatus.ROLLED_BACK
    assert isinstance(out.error, OperationFailed) and "rolled back" in (out.error.hint or "")
    rec = record_of(runtime, out.run_id)
    assert rec["status"] == "rolled_back"
    assert [r["id"] for r in rec["rollback"]] == ["undo-b", "undo-a"]
    assert rec["steps"][-1]["status"] == "failed" and "boom" in rec["steps"][-1]["error"]


def test_failure_without_rollback_is_failed(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    out = run(runtime, op_for(reg, step("a"), step("c", action="fail")))
    assert out.status is RunStatus.FAILED and record_of(runtime, out.run_id)["status"] == "failed"


def test_verification_failure_rolls_back(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    verify = (Step(id="served", action="check", description="target serves", params={"ok": False}, mutating=False),)
    out = run(runtime, op_for(reg, step("a", undo="undo-a"), verify=verify))
    assert calls == ["a", "undo-a"]
    assert out.status is RunStatus.ROLLED_BACK
    assert str(out.error).startswith("verification 'served' failed: target does not serve")
    rec = record_of(runtime, out.run_id)
    assert rec["verification"][0]["status"] == "failed"
    assert rec["rollback"][0]["id"] == "undo-a"


def test_interrupt_rolls_back_and_ends_interrupted(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    out = run(runtime, op_for(reg, step("a", undo="undo-a"), step("b", action="interrupt")))
    assert calls == ["a", "undo-a"]
    assert out.status is RunStatus.INTERRUPTED and isinstance(out.error, Interrupted)
    assert out.error.exit_code == 130
    assert record_of(runtime, out.run_id)["status"] == "interrupted"


def test_sigterm_in_a_step_rolls_back_and_ends_interrupted(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    before = signal.getsignal(signal.SIGTERM)
    out = run(runtime, op_for(reg, step("a", undo="undo-a"), step("t", action="sigterm"), step("never")))
    assert calls == ["a", "sigterm", "undo-a"]
    assert out.status is RunStatus.INTERRUPTED
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_declined_confirmation_is_refused_and_runs_nothing(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    out = run(runtime, op_for(reg, step("a")), confirm=declined)
    assert calls == [] and out.status is RunStatus.REFUSED and out.error is not None
    assert out.error.exit_code == 4
    rec = record_of(runtime, out.run_id)
    assert rec["status"] == "refused" and rec["plan"]["steps"][0]["id"] == "a"


def test_interrupt_at_the_prompt_is_interrupted_not_running(runtime: Runtime, world: Any) -> None:
    reg, calls = world

    def ctrl_c(question: str, *, typed: str | None = None) -> None:
        raise KeyboardInterrupt

    out = run(runtime, op_for(reg, step("a")), confirm=ctrl_c)
    assert calls == [] and out.status is RunStatus.INTERRUPTED
    assert list_journals(runtime.state_dir)[0]["status"] == "interrupted"


def test_dry_run_runs_nothing_takes_no_lock_and_records_the_plan(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    runtime.dry_run = True
    lock = LockSpec("test", lease=True)  # a lease would need DynamoDB: a dry run must not even try
    out = run(runtime, op_for(reg, step("a"), step("b", action="fail"), lock=lock), confirm=declined)
    assert calls == [] and out.status is RunStatus.OK
    rec = record_of(runtime, out.run_id)
    assert rec["dry_run"] is True and rec["status"] == "ok" and rec["steps"] == []
    assert [s["id"] for s in rec["plan"]["steps"]] == ["a", "b"]
    assert not (runtime.state_dir / "locks").exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_gate_refuses_after_the_plan_and_view_are_shown(runtime: Runtime, world: Any, dry_run: bool) -> None:
    from multicloud_ctl.errors import PreflightFailed

    reg, calls = world
    runtime.dry_run = dry_run
    seen: list[ev.Event] = []
    runtime.events.subscribe(seen.append)
    view = ev.PlanView(("check", "result"), (("a", "fail"), ("b", "unknown")))
    asked: list[str] = []
    op = op_for(
        reg,
        step("a"),
        view=lambda plan: view,
        gate=lambda plan: PreflightFailed("refused: a fail; b unknown"),
    )
    out = run(runtime, op, confirm=lambda q, typed=None: asked.append(q))
    assert calls == [] and asked == [] and out.status is RunStatus.REFUSED and out.error is not None
    assert out.error.exit_code == 4
    ready = [e for e in seen if isinstance(e, ev.PlanReady)]
    assert len(ready) == 1 and ready[0].view == view  # shown before the refusal, all of it
    rec = record_of(runtime, out.run_id)
    assert rec["status"] == "refused" and rec["plan"]["steps"][0]["id"] == "a" and rec["steps"] == []


def test_the_result_carries_the_instant_of_confirmation(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    clock = Clock.frozen("2026-03-01T00:00:00Z")
    runtime.clock = clock
    got: list[float | None] = []

    def slow_operator(question: str, *, typed: str | None = None) -> None:
        clock.advance(10)  # ten seconds reading the plan

    op = op_for(reg, step("a"), conclude=lambda plan, result: got.append(result.confirmed_at))
    out = run(runtime, op, confirm=slow_operator)
    assert out.ok and got == [datetime(2026, 3, 1, 0, 0, 10, tzinfo=UTC).timestamp()]


def test_empty_plan_asks_nothing_and_is_ok(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    out = run(runtime, op_for(reg), confirm=declined)
    assert out.status is RunStatus.OK and calls == []


def test_judge_turns_a_result_into_degraded_and_journals_it(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    op = op_for(
        reg,
        step("a"),
        conclude=lambda plan, result: {"mismatched": 2},
        judge=lambda result: Degraded("2 differ") if result["mismatched"] else None,
    )
    out = run(runtime, op)
    assert out.status is RunStatus.DEGRADED and out.error is not None and out.error.exit_code == 3
    rec = record_of(runtime, out.run_id)
    assert rec["status"] == "degraded" and rec["result"] == {"mismatched": 2}


def test_local_lock_held_is_refused(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    lock = LocalLock(runtime.state_dir / "locks" / "test.lock")
    with lock.hold("test", "someone-else", datetime.now(UTC)):
        out = run(runtime, op_for(reg, step("a"), lock=LockSpec("test", lease=False)))
    assert calls == [] and out.status is RunStatus.REFUSED and isinstance(out.error, LockHeld)
    assert record_of(runtime, out.run_id)["status"] == "refused"


def test_planning_bug_is_journaled_failed_and_reraised(runtime: Runtime) -> None:
    def broken(rt: Runtime) -> Plan:
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run(runtime, Operation("test", broken))
    rec = load_journal(runtime.state_dir, "last")
    assert rec["status"] == "failed" and "ZeroDivisionError" in rec["error"]


def test_bulk_step_reports_counts_not_entries(runtime: Runtime) -> None:
    seen: list[ev.Event] = []
    runtime.events.subscribe(seen.append)

    def copy(ctx: StepContext) -> dict[str, int]:
        for _ in range(1000):
            ctx.advance()
        ctx.measure("objects_per_s", 1234.5)
        return {"copied": 1000}

    plan = Plan("test", steps=(Step.bulk("copy", "copy 1000 objects", copy, total=1000, unit="objects"),))
    out = run(runtime, Operation("test", lambda rt: plan))
    assert out.status is RunStatus.OK
    assert sum(1 for e in seen if isinstance(e, ev.Progress)) == 1000  # the screen sees every count
    path = journal_dir(runtime.state_dir) / f"{out.run_id}.jsonl"
    assert len(path.read_text().splitlines()) == 6  # ... the journal one line per step boundary
    rec = record_of(runtime, out.run_id)
    assert rec["steps"][0]["output"] == {"copied": 1000} and rec["steps"][0]["total"] == 1000
    assert rec["measurements"] == {"objects_per_s": 1234.5}


def test_stoppable_bulk_step_stops_at_a_safe_point_on_sigint(runtime: Runtime) -> None:
    done: list[int] = []

    def work(ctx: StepContext) -> dict[str, int]:
        for i in range(200):
            if ctx.stop_requested:
                break
            if i == 3:
                os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            done.append(i)
        return {"batches": len(done)}

    undo = Step("undo-first", "noop", "undo")
    reg = ActionRegistry()
    reg.register("noop")(lambda rt, p: None)
    first = Step("first", "noop", "first", rollback=undo)
    plan = Plan("test", steps=(first, Step.bulk("work", "work", work, stoppable=True), Step("never", "noop", "x")))
    out = run(runtime, Operation("test", lambda rt: plan, registry=reg))
    assert out.status is RunStatus.INTERRUPTED
    assert 3 <= len(done) < 10  # stopped at the next batch boundary, not mid-batch
    rec = record_of(runtime, out.run_id)
    assert [s["status"] for s in rec["steps"]] == ["ok", "stopped"]
    assert rec["steps"][1]["output"] == {"batches": len(done)}
    assert [r["id"] for r in rec["rollback"]] == ["undo-first"]


def test_follow_step_ends_ok_on_a_signal(runtime: Runtime) -> None:
    def follow(ctx: StepContext) -> dict[str, bool]:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
        while not ctx.stop_requested:
            time.sleep(0.01)
        return {"stopped_by_signal": True}

    out = run(runtime, Operation("test", lambda rt: Plan("test", steps=(Step.bulk("f", "f", follow, follow=True),))))
    assert out.status is RunStatus.OK
    assert record_of(runtime, out.run_id)["steps"][0]["output"] == {"stopped_by_signal": True}


def test_executor_alone_reports_through_events(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    seen: list[ev.Event] = []
    result = Executor(runtime, ev.EventBus(seen.append), reg).run(Plan("t", steps=(step("a"),)))
    assert result.status is RunStatus.OK
    assert [type(e).__name__ for e in seen] == ["StepStarted", "StepFinished"]


def test_unknown_action_fails_the_step(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    out = run(runtime, op_for(reg, step("a", action="rm -rf")))
    assert out.status is RunStatus.FAILED
    with pytest.raises(UsageError):
        reg.get("rm -rf")


def test_journal_redacts_secrets(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    runtime.secrets.redactor.add("hunter2-secret")
    inputs = {"api_token": "plain-token-value", "note": "pw is hunter2-secret", "ref": "env:API_TOKEN"}
    out = run(runtime, op_for(reg, step("a"), inputs=inputs))
    text = (journal_dir(runtime.state_dir) / f"{out.run_id}.jsonl").read_text()
    assert "hunter2-secret" not in text and "plain-token-value" not in text
    assert "env:API_TOKEN" in text


def test_journal_list_and_show(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    runtime.clock = Clock.frozen("2026-01-01T00:00:00Z")
    first = run(runtime, Operation("backup daily", lambda rt: Plan("x", steps=(step("a"),)), registry=reg))
    runtime.clock.advance(1)
    second = run(runtime, Operation("failover", lambda rt: Plan("x", steps=(step("c", action="fail"),)), registry=reg))
    runs = list_journals(runtime.state_dir)
    assert [r["id"] for r in runs] == [second.run_id, first.run_id]
    assert [r["status"] for r in runs] == ["failed", "ok"]
    assert load_journal(runtime.state_dir, "last")["verb"] == "failover"
    assert load_journal(runtime.state_dir, first.run_id[:18])["id"] == first.run_id
    with pytest.raises(UsageError):
        load_journal(runtime.state_dir, "nope")


def test_old_whole_file_journals_still_read(runtime: Runtime) -> None:
    directory = journal_dir(runtime.state_dir)
    directory.mkdir(parents=True)
    old = {"id": "20250101T000000000Z-backup-daily", "verb": "backup daily", "status": "planned", "steps": []}
    (directory / f"{old['id']}.json").write_text(json.dumps(old))
    assert list_journals(runtime.state_dir)[0]["status"] == "planned"
    assert load_journal(runtime.state_dir, "last")["verb"] == "backup daily"


def test_unfinished_journal_of_a_dead_process_reads_abandoned(runtime: Runtime, tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from multicloud_ctl.engine import events as ev\n"
        "from multicloud_ctl.engine.journal import Journal\n"
        f"j = Journal.create(Path({str(journal_dir(runtime.state_dir))!r}), 'backup daily')\n"
        "j(ev.RunStarted(j.run_id, 'backup daily', 'local', False))\n"
        "j(ev.StepStarted('steps', 'copy', 'copy'))\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    (summary,) = list_journals(runtime.state_dir)
    assert summary["status"] == "abandoned"
    rec = load_journal(runtime.state_dir, "last")
    assert rec["steps"][0]["status"] == "unfinished"
    assert "process died" in rec["error"]  # says why, not only that it never finished


def test_a_torn_last_line_does_not_hide_the_rest(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    out = run(runtime, op_for(reg, step("a"), step("b")))
    path = journal_dir(runtime.state_dir) / f"{out.run_id}.jsonl"
    path.write_text(path.read_text() + '{"event":"step_sta')
    rec = record_of(runtime, out.run_id)
    assert [s["id"] for s in rec["steps"]] == ["a", "b"]


def test_journal_ids_are_unique_within_a_millisecond(runtime: Runtime) -> None:
    clock = Clock.frozen("2026-01-01T00:00:00Z")
    a = Journal.create(journal_dir(runtime.state_dir), "sync run", clock=clock)
    b = Journal.create(journal_dir(runtime.state_dir), "sync run", clock=clock)
    assert a.run_id != b.run_id and b.run_id.endswith("-2")
    a.close()
    b.close()


def test_local_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "backup.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from datetime import datetime, UTC; from pathlib import Path\n"
                "from multicloud_ctl.engine.lock import LocalLock\n"
                f"with LocalLock(Path({str(path)!r})).hold('backup', 'other-owner', datetime.now(UTC)):\n"
                "    print('held', flush=True); time.sleep(30)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld) as err, LocalLock(path).hold("backup", "me", datetime.now(UTC)):
            pass
        assert "other-owner" in err.value.message
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with LocalLock(path).hold("backup", "me", datetime.now(UTC)):
        assert LocalLock(path).holder()["owner"] == "me"  # type: ignore[index]
