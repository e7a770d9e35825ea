"""Workflows in the engine: steps in parallel after their prerequisites, time limits, approvals, cycles refused."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.engine.actions import ActionRegistry
from multicloud_ctl.engine.approvals import approval_step, decide, pending
from multicloud_ctl.engine.events import RunStatus
from multicloud_ctl.engine.plan import Plan, Step, critical_heights
from multicloud_ctl.engine.run import Operation, run
from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.errors import NotFound, OperationFailed

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    env = load_environment("local", REPO / "config").model_copy(update={"state_dir": tmp_path})
    return Runtime(environment=env)


class World:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []
        self.lock = threading.Lock()
        self.reg = ActionRegistry()

        @self.reg.register("work")
        def work(rt: Runtime, params: Any) -> Any:
            self.mark("start", params["name"])
            time.sleep(params.get("seconds", 0.0))
            if params.get("fail"):
                self.mark("fail", params["name"])
                raise OperationFailed(f"{params['name']} failed")
            self.mark("end", params["name"])
            return {"did": params["name"]}

    def mark(self, what: str, name: str) -> None:
        with self.lock:
            self.events.append((what, name, time.monotonic()))

    def at(self, what: str, name: str) -> float:
        return next(t for w, n, t in self.events if (w, n) == (what, name))

    def names(self, what: str) -> list[str]:
        return [n for w, n, _ in self.events if w == what]


def work(name: str, *, after: tuple[str, ...] | None = None, seconds: float = 0.0, fail: bool = False,
         timeout: float | None = None, undo: bool = True, weight: float = 1.0) -> Step:  # fmt: skip
    rollback = Step(f"undo-{name}", "work", f"undo {name}", params={"name": f"undo-{name}"}) if undo else None
    return Step(name, "work", f"do {name}", params={"name": name, "seconds": seconds, "fail": fail},
                rollback=rollback, after=after, timeout_s=timeout, weight=weight)  # fmt: skip


def go(runtime: Runtime, world: World, *steps: Step, parallelism: int = 4) -> Any:
    plan = Plan("wf", steps=steps, parallelism=parallelism)
    return run(runtime, Operation("wf", lambda rt: plan, registry=world.reg))


def test_independent_steps_run_at_once_and_a_joining_step_waits_for_both(runtime: Runtime) -> None:
    w = World()
    out = go(runtime, w, work("a", seconds=1.0), work("b", after=(), seconds=1.0), work("c", after=("a", "b")))
    assert out.status is RunStatus.OK, out.error
    assert w.at("start", "b") < w.at("end", "a")  # b did not wait for a
    assert w.at("start", "c") >= max(w.at("end", "a"), w.at("end", "b"))


def test_parallelism_bounds_the_steps_in_flight(runtime: Runtime) -> None:
    w = World()
    steps = [work(f"s{i}", after=(), seconds=0.2) for i in range(6)]
    out = go(runtime, w, *steps, parallelism=2)
    assert out.status is RunStatus.OK
    timeline = sorted(
        [(t, +1) for what, _, t in w.events if what == "start"] + [(t, -1) for what, _, t in w.events if what == "end"]
    )
    level = peak = 0
    for _, d in timeline:
        level += d
        peak = max(peak, level)
    assert peak == 2


def test_a_steps_height_is_the_longest_chain_of_expected_time_below_it() -> None:
    graph = {"rg": (), "net": ("rg",), "gw": ("net",), "conn": ("gw",), "queue": (), "alarm": ("queue", "rg")}
    assert critical_heights(graph) == {"rg": 4, "net": 3, "gw": 2, "conn": 1, "queue": 2, "alarm": 1}
    weighted = critical_heights(graph, {"gw": 2700.0, "alarm": 5.0})
    assert weighted["rg"] == 1 + 1 + 2700 + 1 and weighted["queue"] == 1 + 5 and weighted["alarm"] == 5


def test_the_ready_step_heading_the_longest_chain_starts_first_then_plan_order(runtime: Runtime) -> None:
    w = World()
    out = go(
        runtime, w,
        work("quick-1", after=()),
        work("quick-2", after=()),
        work("rg", after=()),  # listed after the quick steps, but heads the long chain
        work("gateway", after=("rg",), weight=50.0),
        work("quick-3", after=()),
        parallelism=1,
    )  # fmt: skip
    assert out.status is RunStatus.OK, out.error
    assert w.names("start") == ["rg", "gateway", "quick-1", "quick-2", "quick-3"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_step_of_a_wide_graph_runs_once_after_all_its_prerequisites(runtime: Runtime, seed: int) -> None:
    """A random graph of 80 steps, each waiting for up to three earlier ones (some for the same one twice)."""
    import random

    rnd = random.Random(seed)
    steps = []
    for i in range(80):
        after = tuple(f"s{rnd.randrange(i)}" for _ in range(rnd.randrange(4))) if i else ()
        steps.append(work(f"s{i}", after=after, seconds=rnd.choice((0.0, 0.005))))
    w = World()
    out = go(runtime, w, *steps, parallelism=6)
    assert out.status is RunStatus.OK, out.error
    assert sorted(w.names("start")) == sorted(s.id for s in steps)  # each exactly once
    for s in steps:
        for prerequisite in s.after or ():
            assert w.at("start", s.id) >= w.at("end", prerequisite), (s.id, prerequisite)


def test_a_failure_starts_nothing_new_and_rolls_back_in_reverse_completion_order(runtime: Runtime) -> None:
    w = World()
    out = go(
        runtime, w,
        work("fast", after=(), seconds=0.0),
        work("slow", after=(), seconds=0.5),
        work("bad", after=(), seconds=0.1, fail=True),
        work("later", after=("fast", "bad")),
    )  # fmt: skip
    assert out.status is RunStatus.ROLLED_BACK and "bad" in str(out.error)
    assert "later" not in w.names("start")
    assert w.names("start")[-2:] == ["undo-slow", "undo-fast"]  # slow finished after fast: undone first


def test_a_step_over_its_time_limit_fails_and_is_undone_too(runtime: Runtime) -> None:
    w = World()
    out = go(runtime, w, work("a"), work("stuck", seconds=3.0, timeout=0.5), work("never"), parallelism=2)
    assert out.status is RunStatus.ROLLED_BACK
    assert "did not finish within 0.5 s" in str(out.error)
    assert "never" not in w.names("start")
    assert "undo-stuck" in w.names("start") and "undo-a" in w.names("start")


def test_a_cycle_or_an_unknown_prerequisite_is_refused_when_the_plan_is_made() -> None:
    with pytest.raises(ValueError, match=r"cycle: (a -> b -> a|b -> a -> b)"):
        Plan("wf", steps=(work("a", after=("b",)), work("b", after=("a",))))
    with pytest.raises(ValueError, match="does not have"):
        Plan("wf", steps=(work("a", after=("ghost",)),))


def _approve_when_asked(runtime: Runtime, step: str, *, approve: bool) -> threading.Thread:
    def answer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(p.step == step for p in pending(runtime.state_dir)):
                decide(runtime.state_dir, step, run_id=None, approve=approve, by="oncall-2", now=time.time())
                return
            time.sleep(0.05)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_an_approval_from_another_terminal_lets_the_workflow_go_on(runtime: Runtime) -> None:
    w = World()
    helper = _approve_when_asked(runtime, "go-ahead", approve=True)
    out = go(runtime, w, work("a"), approval_step("go-ahead", "switch the database too?", 5), work("b"))
    helper.join()
    assert out.status is RunStatus.OK, out.error
    assert w.names("start") == ["a", "b"]
    from multicloud_ctl.engine.journal import load_journal

    approved = next(s for s in load_journal(runtime.state_dir, out.run_id)["steps"] if s["id"] == "go-ahead")
    assert approved["output"]["approved_by"] == "oncall-2"
    assert not pending(runtime.state_dir)


@pytest.mark.parametrize("answer", ["rejected", "never"])
def test_a_rejected_or_unanswered_approval_rolls_back_what_came_before(runtime: Runtime, answer: str) -> None:
    w = World()
    if answer == "rejected":
        _approve_when_asked(runtime, "go-ahead", approve=False)
    wait = 30.0 if answer == "rejected" else 0.6
    out = go(runtime, w, work("a"), approval_step("go-ahead", "go on?", wait), work("b"))
    assert out.status is RunStatus.ROLLED_BACK
    assert "rejected by oncall-2" in str(out.error) if answer == "rejected" else "within 0.6 s" in str(out.error)
    assert w.names("start") == ["a", "undo-a"]
    assert not pending(runtime.state_dir)  # an expired request cannot be approved afterwards
    with pytest.raises(NotFound):
        decide(runtime.state_dir, "go-ahead", run_id=None, approve=True, by=None, now=time.time())
