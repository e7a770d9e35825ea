"""The failover's target state and transition steps, from a snapshot (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from multicloud_ctl.config.specs.failover import FailoverSpec
from multicloud_ctl.errors import ConfigError, UsageError
from multicloud_ctl.operations.failover.lbstate import (
    LbSnapshot,
    PoolSnapshot,
    read_intended,
    target_state,
    write_intended,
)
from multicloud_ctl.operations.failover.switch import transition_steps


def snapshot() -> LbSnapshot:
    return LbSnapshot(
        "lb1",
        "api.shop.local",
        ["aws", "azure"],
        "azure",
        {
            "aws": PoolSnapshot(
                "p-aws", "aws", True, [{"name": "aws-1", "address": "10.0.0.1", "enabled": True, "weight": 1.0}], True
            ),
            "azure": PoolSnapshot(
                "p-az", "azure", True, [{"name": "az-1", "address": "10.0.0.2", "enabled": True, "weight": 1.0}], True
            ),
        },
    )


def spec(**lb: object) -> FailoverSpec:
    return FailoverSpec.model_validate({"to": "azure", "load_balancer": {"order": ["azure", "aws"], **lb}})


def test_target_state_orders_pools_and_pins_failback() -> None:
    target = target_state(
        snapshot(), spec(fallback="aws", pools={"aws": {"enabled": False, "origin_weights": {"aws-1": 0.0}}})
    )
    assert target.default_pools == ["azure", "aws"] and target.fallback_pool == "aws"
    assert target.failback() == {"automatic": False, "to": None}  # azure first: pinned
    assert target.pools["aws"].enabled is False and target.pools["aws"].origins[0]["weight"] == 0.0
    assert target.serving_pool() == "azure"


def test_transition_steps_have_undo_with_previous_state() -> None:
    current = snapshot()
    target = target_state(current, spec(pools={"aws": {"enabled": False}}))
    steps = {s.id: s for s in transition_steps(current, target)}
    assert set(steps) == {"pool-aws", "load-balancer"}
    lb = steps["load-balancer"]
    assert lb.params["default_pools"] == ["p-az", "p-aws"]
    assert lb.rollback is not None and lb.rollback.params["default_pools"] == ["p-aws", "p-az"]
    assert "session_affinity_attributes" not in lb.params and "zero_downtime_failover" not in lb.params
    assert steps["pool-aws"].params["enabled"] is False and steps["pool-aws"].rollback.params["enabled"] is True


def test_no_change_no_steps() -> None:
    current = snapshot()
    assert transition_steps(current, current) == []


def test_unknown_pool_is_a_config_error() -> None:
    bad = FailoverSpec.model_validate({"to": "azure", "load_balancer": {"order": ["azure", "gcp"]}})
    with pytest.raises(ConfigError, match="gcp"):
        target_state(snapshot(), bad)


def test_the_removed_disable_failback_names_its_replacement() -> None:
    with pytest.raises(ValueError, match="failback: pinned"):
        spec(disable_failback=True)


def test_spec_rules() -> None:
    with pytest.raises(ValueError, match="must start with the target"):
        FailoverSpec.model_validate({"to": "azure", "load_balancer": {"order": ["aws", "azure"]}})
    with pytest.raises(ValueError, match="enhanced_capacity"):
        FailoverSpec.model_validate(
            {
                "to": "azure",
                "load_balancer": {"order": ["azure"]},
                "enhanced_capacity": {"lambda": [{"function": "f", "reserved_concurrency": 5}]},
            }
        )


def test_intended_file_roundtrip(tmp_path: Path) -> None:
    assert read_intended(tmp_path) is None
    write_intended(tmp_path, {"version": 1, "serving": "azure"})
    assert read_intended(tmp_path) == {"version": 1, "serving": "azure"}
    write_intended(tmp_path, None)
    assert read_intended(tmp_path) is None


def test_shipped_playbooks_validate() -> None:
    from multicloud_ctl.config.playbook import load_playbook

    root = Path(__file__).resolve().parents[3] / "playbooks"
    assert load_playbook(root / "failover-azure.yaml", "Failover").spec.to == "azure"
    assert load_playbook(root / "failover-aws.yaml", "Failover").spec.to == "aws"
    assert load_playbook(root / "drill.yaml", "Drill").spec.objectives.rto_seconds == 5
    assert len(load_playbook(root / "health.yaml", "Health").spec.checks) == 6


def geo_snapshot() -> LbSnapshot:
    snap = snapshot()
    snap.steering_policy = "geo"
    snap.region_pools = {"WEU": ["aws", "azure"], "ENAM": ["aws"]}
    snap.country_pools = {"US": ["aws", "azure"]}
    snap.pop_pools = {"SJC": ["aws"]}
    snap.rules = [{"name": "eu", "condition": "", "overrides": {"region_pools": {"EEU": ["aws", "azure"]}}}]
    return snap


def test_pinned_rewrites_every_pool_list_and_the_patch_names_only_what_changes() -> None:
    current = geo_snapshot()
    target = target_state(current, spec(fallback="aws"), "pinned")
    assert dict(target.pool_lists()) == {
        "default_pools": ["azure", "aws"],
        "region_pools.WEU": ["azure", "aws"],
        "region_pools.ENAM": ["azure", "aws"],
        "country_pools.US": ["azure", "aws"],
        "pop_pools.SJC": ["azure", "aws"],
        "rules[0].overrides.region_pools.EEU": ["azure", "aws"],
    }
    (step,) = transition_steps(current, target)
    assert step.params["region_pools"] == {"WEU": ["p-az", "p-aws"], "ENAM": ["p-az", "p-aws"]}
    assert step.params["rules"][0]["overrides"]["region_pools"] == {"EEU": ["p-az", "p-aws"]}
    assert step.rollback is not None and step.rollback.params["pop_pools"] == {"SJC": ["p-aws"]}
    assert "region_pools.ENAM azure > aws" in step.description
    # a geo map the switch does not change is not sent (a PATCH replaces the whole field)
    current.pop_pools = {"SJC": ["azure", "aws"]}
    (step,) = transition_steps(current, target_state(current, spec(fallback="aws")))
    assert "pop_pools" not in step.params and "pop_pools" not in step.rollback.params  # type: ignore[union-attr]


def test_auto_keeps_each_home_first_and_needs_it_unhealthy() -> None:
    current = geo_snapshot()
    with pytest.raises(UsageError, match="while aws is healthy"):
        target_state(current, spec(), "auto")
    current.pools["aws"].healthy = False
    target = target_state(current, spec(), "auto")
    assert target.default_pools == ["aws", "azure"] and target.fallback_pool == "azure"
    assert target.region_pools == {"WEU": ["aws", "azure"], "ENAM": ["aws", "azure"]}
    assert target.pop_pools == {"SJC": ["aws", "azure"]}
    with pytest.raises(UsageError, match="disabled pool"):
        target_state(current, spec(pools={"aws": {"enabled": False}}), "auto")


def test_a_steering_policy_that_ignores_order_is_refused_unless_only_the_target_is_left() -> None:
    current = snapshot()
    current.steering_policy = "random"
    with pytest.raises(UsageError, match="steering_policy 'random'"):
        target_state(current, spec())
    assert target_state(current, spec(pools={"aws": {"enabled": False}})).default_pools == ["azure", "aws"]
    current.steering_policy = ""  # no geo maps: off
    assert target_state(current, spec()).default_pools == ["azure", "aws"]
