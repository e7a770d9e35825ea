"""The failover workflow's `servicebus_geo_dr` step against the fake ARM with azure-mgmt-servicebus: the alias is
seen from both Premium namespaces, a failover sent to the secondary re-points it (and breaks the pairing), the
fake refuses what Service Bus refuses, a dry run sends nothing, and an ungraceful failover works with the old
primary gone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from multicloud_ctl.errors import McctlError

pytestmark = pytest.mark.integration
ALIAS = "mcctl-bus-dr"
RG, RG2 = "mcctl-local", "mcctl-local-westus"
NS, NS2 = "mcctl-bus", "mcctl-bus-westus"


@pytest.fixture(scope="module")
def arm_server() -> Iterator[Any]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def bus_env(local_env: Any, arm_server: Any) -> Any:
    arm_server.server.store.reset()
    return local_env.model_copy(update={"azure": local_env.azure.model_copy(update={"arm_endpoint": arm_server.url})})


def sb(env: Any) -> Any:
    from multicloud_ctl.engine.runtime import Runtime

    return Runtime(env).azure.servicebus


def namespaces(env: Any, sku: str = "Premium") -> str:
    """Both locations' namespaces (as provision names them); the secondary's ARM id."""
    from multicloud_ctl.engine.runtime import Runtime

    rt = Runtime(env)
    for group, name, location in ((RG, NS, "eastus"), (RG2, NS2, "westus")):
        rt.azure.resources.resource_groups.create_or_update(group, {"location": location})
        body = {
            "location": location,
            "sku": {"name": sku, "tier": sku, **({"capacity": 1} if sku == "Premium" else {})},
        }
        rt.azure.servicebus.namespaces.begin_create_or_update(group, name, body).result()
    sub = env.azure.subscription_id
    return f"/subscriptions/{sub}/resourceGroups/{RG2}/providers/Microsoft.ServiceBus/namespaces/{NS2}"


def paired(env: Any) -> None:
    partner = namespaces(env)
    sb(env).disaster_recovery_configs.create_or_update(RG, NS, ALIAS, {"properties": {"partnerNamespace": partner}})


def roles(env: Any) -> dict[str, str | None]:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.servicebus_geo_dr import GeoDrAliases, NamespaceRef

    aliases = GeoDrAliases(Runtime(env, dry_run=True).azure)
    out = {}
    for group, name in ((RG, NS), (RG2, NS2)):
        state = aliases.state(NamespaceRef(group, name), ALIAS)
        out[name] = None if state is None else state.role
    return out


def spec(**geo: Any) -> Any:
    from multicloud_ctl.config.specs.failover import FailoverSpec

    return FailoverSpec.model_validate(
        {
            "to": "aws",
            "load_balancer": {"order": ["aws", "azure"]},
            "servicebus_geo_dr": {"alias": ALIAS, "poll_seconds": 0.02, "wait_seconds": 5, **geo},
        }
    )


def run_steps(env: Any, steps: list[Any], *, dry_run: bool = False) -> Any:
    import multicloud_ctl.operations.failover.actions  # noqa: F401  (registers the actions)
    from multicloud_ctl.engine.plan import Plan
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime

    rt = Runtime(env, dry_run=dry_run)
    return rt, run(rt, Operation("failover", lambda _rt: Plan("failover", tuple(steps))))


def test_a_failover_sent_to_the_secondary_re_points_the_alias_and_breaks_the_pairing(
    bus_env: Any, arm_server: Any
) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps

    paired(bus_env)
    assert roles(bus_env) == {NS: "Primary", NS2: "Secondary"}
    steps = geo_dr_steps(Runtime(bus_env, dry_run=True), spec())
    assert [s.id for s in steps] == ["servicebus-geo-dr"] and steps[0].rollback is None
    assert steps[0].params["safe"] is True and "no rollback" in steps[0].description

    mark = arm_server.server.conformance.total
    _, done = run_steps(bus_env, steps)
    assert done.status == "ok", done.error
    sent = [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in arm_server.server.conformance.entries(since=mark)]
    assert sent == [("POST", "failover"), ("GET", ALIAS), ("GET", ALIAS)]  # Accepted, then settled: polled
    assert done.execution.steps[0].output == {
        "alias": ALIAS,
        "namespace": NS2,
        "role_before": "Secondary",
        "role_after": "PrimaryNotReplicating",
        "safe": True,
        "pairing": "broken (pair again to fail back)",
    }
    assert roles(bus_env) == {NS: None, NS2: "PrimaryNotReplicating"}
    assert geo_dr_steps(Runtime(bus_env, dry_run=True), spec()) == []  # already points there: nothing to do


def test_the_fake_refuses_what_service_bus_refuses(bus_env: Any) -> None:
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps

    partner = namespaces(bus_env, sku="Standard")
    ops = sb(bus_env).disaster_recovery_configs
    with pytest.raises(HttpResponseError, match="Premium") as premium:
        ops.create_or_update(RG, NS, ALIAS, {"properties": {"partnerNamespace": partner}})
    assert premium.value.status_code == 400
    with pytest.raises(ResourceNotFoundError) as unknown:  # ARM's error envelope: code and message
        ops.get(RG2, NS2, "no-such-alias")
    assert unknown.value.error is not None and unknown.value.error.code == "ResourceNotFound"
    with pytest.raises(McctlError, match="does not exist on namespace mcctl-bus-westus"):
        geo_dr_steps(Runtime(bus_env, dry_run=True), spec())

    paired(bus_env)
    with pytest.raises(HttpResponseError, match="only be initiated from the secondary") as on_primary:
        ops.fail_over(RG, NS, ALIAS)
    assert on_primary.value.status_code == 400
    with pytest.raises(HttpResponseError, match="break pairing is initiated on the primary"):
        ops.break_pairing(RG2, NS2, ALIAS)
    with pytest.raises(HttpResponseError, match="paired"):
        ops.delete(RG, NS, ALIAS)
    assert roles(bus_env) == {NS: "Primary", NS2: "Secondary"}  # nothing changed
    # the step planned for the primary location's namespace: it already is primary, nothing to send
    assert geo_dr_steps(Runtime(bus_env, dry_run=True), spec(primary="primary")) == []


def test_a_dry_run_plans_the_failover_and_sends_nothing(bus_env: Any, arm_server: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps

    paired(bus_env)
    mark = arm_server.server.conformance.total
    planner = Runtime(bus_env, dry_run=True)
    steps = geo_dr_steps(planner, spec())
    _, dry = run_steps(bus_env, steps, dry_run=True)
    assert dry.status == "ok" and dry.execution is None  # shown, not executed
    sent = [(e["method"], e["path"].rsplit("/", 2)[-2:]) for e in arm_server.server.conformance.entries(since=mark)]
    assert sent == [("GET", ["disasterRecoveryConfigs", ALIAS])]  # the plan's one read, and no POST
    assert planner.azure.guard.mutating == 0 and roles(bus_env) == {NS: "Primary", NS2: "Secondary"}


def test_an_ungraceful_failover_works_with_the_old_primary_gone(bus_env: Any) -> None:
    from azure.core.exceptions import HttpResponseError

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps

    paired(bus_env)
    sb(bus_env).namespaces.begin_delete(RG, NS).result()  # the primary's region is gone
    with pytest.raises(HttpResponseError, match="IsSafeFailover false") as safe:
        sb(bus_env).disaster_recovery_configs.fail_over(RG2, NS2, ALIAS, {"properties": {"IsSafeFailover": True}})
    assert safe.value.status_code == 409

    steps = geo_dr_steps(Runtime(bus_env, dry_run=True), spec(), ungraceful=True)
    assert steps[0].params["safe"] is False and "not waiting for the old primary" in steps[0].description
    _, done = run_steps(bus_env, steps)
    assert done.status == "ok", done.error
    assert done.execution.steps[0].output["safe"] is False
    assert roles(bus_env)[NS2] == "PrimaryNotReplicating"


def test_the_failover_plan_places_both_new_steps_in_its_order_or_its_workflow(bus_env: Any) -> None:
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.lbstate import LbSnapshot, PoolSnapshot
    from multicloud_ctl.operations.failover.switch import build_plan

    paired(bus_env)
    pools = {
        name: PoolSnapshot(f"p-{name}", name, True, [{"name": f"{name}-1", "address": addr, "weight": 1.0}], True)
        for name, addr in (("aws", "10.0.0.1"), ("azure", "10.0.0.2"))
    }
    current = LbSnapshot("lb1", "api.shop.local", ["azure", "aws"], "aws", pools)
    body = {
        "to": "aws",
        "load_balancer": {"order": ["aws", "azure"]},
        "servicebus_geo_dr": {"alias": ALIAS},
        "cache_warmup": {"limit": 10},
    }
    rt = Runtime(bus_env, dry_run=True)
    plain = build_plan(rt, FailoverSpec.model_validate(body), current, "run-1")
    ids = [s.id for s in plain.steps]
    assert ids[0] == "cache-warmup" and ids[-2:] == ["servicebus-geo-dr", "record-intended"]  # before traffic moves
    assert "not counted" in plain.steps[0].description  # moto's products table does not exist here: no refusal

    flow = [
        {"id": "warm", "do": "cache_warmup"},
        {"id": "switch", "do": "load_balancer"},
        {"id": "bus", "do": "servicebus_geo_dr", "after": [], "timeout_seconds": 60},
        {"id": "record", "do": "record_intended", "after": ["switch", "bus"]},
    ]
    ungraceful = build_plan(rt, FailoverSpec.model_validate({**body, "workflow": flow}), current, "run-2", skipped={})
    by_id = {s.id: s for s in ungraceful.steps}
    assert by_id["servicebus-geo-dr"].after == () and by_id["servicebus-geo-dr"].timeout_s == 60
    assert by_id["servicebus-geo-dr"].params["safe"] is False  # --ungraceful: the old primary is not waited for
    assert by_id["record-intended"].after == ("load-balancer", "servicebus-geo-dr")
    assert by_id["load-balancer"].after == ("cache-warmup",)
