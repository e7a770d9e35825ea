"""Fault injection rules used by the fake cloud servers."""

from __future__ import annotations

import pytest

from multicloud_ctl.local.faults import FaultInjector, FaultRule


def test_a_rule_fires_count_times_for_matching_requests_only() -> None:
    faults = FaultInjector()
    faults.arm(FaultRule(path=r"/pools", status=503, count=2, method="GET"))
    assert faults.take("POST", "/client/v4/accounts/a/load_balancers/pools") is None
    assert faults.take("GET", "/client/v4/zones/z/dns_records") is None
    assert faults.take("GET", "/client/v4/accounts/a/load_balancers/pools").status == 503  # type: ignore[union-attr]
    assert faults.take("GET", "/client/v4/accounts/a/load_balancers/pools") is not None
    assert faults.take("GET", "/client/v4/accounts/a/load_balancers/pools") is None
    assert faults.describe() == []


def test_bad_rules_are_refused() -> None:
    faults = FaultInjector()
    with pytest.raises(ValueError):
        faults.arm_from_json({"path": "x", "status": 200})
    with pytest.raises(ValueError):
        faults.arm_from_json({"path": "x", "bogus": 1})
