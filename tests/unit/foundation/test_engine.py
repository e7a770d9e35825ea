"""Executor, journal and local lock: apply order, rollback, dry run, redaction, interruption."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.engine.actions import ActionRegistry
from multicloud_ctl.engine.executor import DisplayExecutor, Executor
from multicloud_ctl.engine.journal import list_journals, load_journal
from multicloud_ctl.engine.lock import LocalLock
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import LockHeld, OperationFailed, UsageError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    env = load_environment("local", REPO / "config").model_copy(update={"state_dir": tmp_path})
    return Runtime(environment=env)


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


def test_steps_are_frozen() -> None:
    s = step("a")
    with pytest.raises(AttributeError):
        s.id = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.params["name"] = "x"  # type: ignore[index]


def test_apply_runs_steps_in_order_and_journals(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    plan = Plan("test", steps=(step("a"), step("b")))
    journal = runtime.journal("test", {"x": 1})
    result = Executor(runtime, journal, reg).run(plan)
    assert result.status == "ok" and calls == ["a", "b"]
    rec = json.loads(journal.path.read_text())
    assert rec["status"] == "ok"
    assert [s["id"] for s in rec["steps"]] == ["a", "b"]
    assert rec["steps"][0]["output"] == {"did": "a"}
    assert rec["steps"][0]["start"].endswith("Z")


def test_failure_rolls_back_completed_steps_in_reverse(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    plan = Plan("test", steps=(step("a", undo="undo-a"), step("b", undo="undo-b"), step("c", action="fail")))
    result = Executor(runtime, runtime.journal("test"), reg).run(plan)
    assert calls == ["a", "b", "fail", "undo-b", "undo-a"]
    assert result.status == "rolled_back"
    assert isinstance(result.error, OperationFailed)
    assert "rolled back" in (result.error.hint or "")


def test_verification_failure_rolls_back(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    verify = (Step(id="served", action="check", description="target serves", params={"ok": False}, mutating=False),)
    plan = Plan("test", steps=(step("a", undo="undo-a"),), verify=verify)
    journal = runtime.journal("test")
    result = Executor(runtime, journal, reg).run(plan)
    assert calls == ["a", "undo-a"]
    assert result.status == "rolled_back"
    assert str(result.error).startswith("verification 'served' failed: target does not serve")
    rec = json.loads(journal.path.read_text())
    assert rec["verification"][0]["status"] == "failed"
    assert rec["rollback"][0]["id"] == "undo-a"


def test_interrupt_still_rolls_back_and_reraises(runtime: Runtime, world: Any) -> None:
    reg, calls = world
    plan = Plan("test", steps=(step("a", undo="undo-a"), step("b", action="interrupt")))
    journal = runtime.journal("test")
    with pytest.raises(KeyboardInterrupt):
        Executor(runtime, journal, reg).run(plan)
    assert calls == ["a", "undo-a"]
    assert json.loads(journal.path.read_text())["status"] == "interrupted"


def test_display_executor_runs_nothing(runtime: Runtime, world: Any) -> None:
    _reg, calls = world
    plan = Plan("test", steps=(step("a"), step("b", action="fail")))
    journal = runtime.journal("test")
    result = DisplayExecutor(runtime, journal).run(plan)
    assert calls == []
    assert result.status == "planned"
    assert json.loads(journal.path.read_text())["status"] == "planned"


def test_unknown_action_is_refused(runtime: Runtime, world: Any) -> None:
    reg, _ = world
    result = Executor(runtime, runtime.journal("t"), reg).run(Plan("t", steps=(step("a", action="rm -rf"),)))
    assert result.status == "failed"
    with pytest.raises(UsageError):
        reg.get("rm -rf")


def test_journal_redacts_secrets(runtime: Runtime) -> None:
    runtime.secrets.redactor.add("hunter2-secret")
    journal = runtime.journal(
        "t", {"api_token": "plain-token-value", "note": "pw is hunter2-secret", "ref": "env:API_TOKEN"}
    )
    journal.finish("ok")
    text = journal.path.read_text()
    assert "hunter2-secret" not in text and "plain-token-value" not in text
    assert "env:API_TOKEN" in text


def test_journal_list_and_show(runtime: Runtime) -> None:
    times = iter([datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in range(10)])
    runtime.clock = lambda: next(times)
    j1 = runtime.journal("backup daily")
    j1.finish("ok")
    j2 = runtime.journal("failover")
    j2.finish("failed", error="x")
    runs = list_journals(runtime.state_dir)
    assert [r["id"] for r in runs] == [j2.run_id, j1.run_id]
    assert load_journal(runtime.state_dir, "last")["verb"] == "failover"
    assert load_journal(runtime.state_dir, j1.run_id[:18])["id"] == j1.run_id
    with pytest.raises(UsageError):
        load_journal(runtime.state_dir, "nope")


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
