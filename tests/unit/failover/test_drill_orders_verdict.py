"""The drill's verdict with an order stream: `max_orders_lost` (default 0) decides the orders verdict, a missed
objective fails the drill (the CLI's exit 3), and without an order stream there is no orders verdict at all;
what the order stream counts and which answers it resends."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.config.specs.failover import DrillSpec
from multicloud_ctl.errors import ExitCode
from multicloud_ctl.operations.failover.drill import DrillReport, _judge
from multicloud_ctl.operations.failover.orders import OrdersCheck, orders_verdict
from multicloud_ctl.operations.failover.traffic import OrderAttempt, OrderStream, retryable


def spec(orders: bool = True, **objectives: Any) -> DrillSpec:
    raw: dict[str, Any] = {"objectives": {"rto_seconds": 5, **objectives}}
    if orders:
        raw["traffic"] = {"orders": {"rate_per_second": 5}}
    return DrillSpec.model_validate(raw)


def report(lost: int | None) -> DrillReport:
    r = DrillReport("azure", "aws", "j1", rto_s=2.0, rpo_s=1.0, traffic={"error_rate": 0.01})
    r.orders = {"sent": 10, "acknowledged": 9} | ({} if lost is None else {"lost": lost})
    return r


def test_one_lost_order_misses_the_default_objective_and_fails_the_drill() -> None:
    r = report(lost=1)
    _judge(spec(), r)
    assert r.verdicts["orders_lost"] is False and r.verdicts["rto"] is True
    assert r.status == "failed"
    assert r.to_dict()["orders"]["lost"] == 1


def test_none_lost_passes_and_a_raised_objective_tolerates_losses() -> None:
    r = report(lost=0)
    _judge(spec(), r)
    assert (r.verdicts["orders_lost"], r.status) == (True, "passed")
    r = report(lost=2)
    _judge(spec(max_orders_lost=2), r)
    assert (r.verdicts["orders_lost"], r.status) == (True, "passed")


def test_without_an_order_stream_there_is_no_orders_verdict() -> None:
    r = report(lost=None)
    r.orders = {}
    _judge(spec(orders=False), r)
    assert "orders_lost" not in r.verdicts and r.status == "passed"


def test_a_check_that_never_ran_is_unknown_not_a_pass() -> None:
    r = report(lost=None)
    _judge(spec(), r)
    assert r.verdicts["orders_lost"] is None
    assert orders_verdict({}, 0) is None


def test_a_failed_drill_is_degraded_exit_3() -> None:
    from pathlib import Path

    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.operations.failover.drill import _Drill

    fo = load_playbook(Path(__file__).resolve().parents[3] / "playbooks" / "failover-azure.yaml", "Failover").spec
    drill = _Drill(spec(), fo, None, None)
    assert drill.judge({"status": "passed"}) is None
    error = drill.judge({"status": "failed"})
    assert error is not None and error.exit_code == ExitCode.DEGRADED == 3


def test_bad_objectives_and_sync_modes_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        spec(max_orders_lost=-1)
    with pytest.raises(ValidationError):
        DrillSpec.model_validate({"traffic": {"orders": {"sync": "sometimes"}}})
    assert spec().traffic.orders is not None and spec().traffic.orders.sync == "run"  # type: ignore[union-attr]


def test_orders_check_counts_and_caps_the_journaled_ids() -> None:
    check = OrdersCheck(acknowledged=1500, found=0, lost_ids=[f"o{i}" for i in range(1500)])
    out = check.to_dict()
    assert out["lost"] == 1500 and len(out["lost_ids"]) == 1000


def test_only_an_unknown_outcome_is_resent() -> None:
    assert retryable(None) and retryable(503) and retryable(409)  # no answer, 5xx, same key still in progress
    assert not retryable(201) and not retryable(200) and not retryable(400) and not retryable(401)


def test_the_order_stream_summary() -> None:
    stream = OrderStream("http://127.0.0.1:1/orders", "t", "p1", "a@example.com", "k")
    stream.attempts = [
        OrderAttempt(1.0, "k-1", 201, "o1", "aws", 1),
        OrderAttempt(2.0, "k-2", None, None, None, 2),
        OrderAttempt(3.0, "k-3", 200, "o1", "azure", 2, replayed=True),  # resent: the shop answered the first
        OrderAttempt(4.0, "k-4", 201, "o2", "azure", 1),
        OrderAttempt(5.0, "k-5", 503, None, "aws", 2),
    ]
    s = stream.summary()
    assert (s["sent"], s["acknowledged"], s["unacknowledged"], s["resent"], s["replayed"]) == (5, 3, 2, 3, 1)
    assert s["placed_on"] == {"aws": 1, "azure": 2}
    assert s["unacknowledged_by_status"] == {"no answer": 1, "503": 1}
    assert stream.acknowledged_ids() == ["o1", "o2"]
