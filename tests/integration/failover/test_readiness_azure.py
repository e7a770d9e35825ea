"""Failover readiness's `permissions-azure` (issue 17 item 4) against the fake ARM with the real SDKs: the plan's
Azure steps (SQL failover group, Service Bus Geo-DR alias, and their undo) are built from the live resources,
the caller's permissions on each resource are listed (`Permissions - List For Resource`) and matched with ARM's
rules; a missing action is a finding naming it and its step, a listing that is refused or unreachable is
unknown, never a pass."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_failover_cli import run, write_playbook

pytestmark = pytest.mark.integration
SQL_KINDS = ("azure_resource_group", "azure_sql_server", "azure_sql_database", "azure_sql_failover_group")
ALIAS = "mcctl-bus-dr"
FAILOVER = "Microsoft.Sql/servers/failoverGroups/failover/action"
BUS_FAILOVER = "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/failover/action"


@pytest.fixture(scope="module")
def arm_server() -> Iterator[Any]:
    from multicloud_ctl.local.arm.server import run_arm

    handle = run_arm(0)
    yield handle
    handle.stop()


@pytest.fixture
def env(local_env: Any, arm_server: Any) -> Any:
    """`local_env` on the fake ARM, with the SQL failover group and the paired Service Bus namespaces."""
    from multicloud_ctl.config.specs.provision import ProvisionSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations import provision
    from multicloud_ctl.operations.provision.registry import KINDS

    arm_server.server.store.reset()
    arm_server.server.faults.clear()
    sql = local_env.azure.sql.model_copy(update={"geo_replica": True})
    azure = local_env.azure.model_copy(update={"arm_endpoint": arm_server.url, "sql": sql})
    env = local_env.model_copy(update={"azure": azure})
    provision.apply(
        Runtime(env), ProvisionSpec.model_validate({"kinds": {k: {"enabled": k in SQL_KINDS} for k in KINDS}})
    )
    pair_bus(env)
    return env


def pair_bus(env: Any) -> None:
    """Both locations' Premium namespaces (as provision names them), paired under ALIAS."""
    from multicloud_ctl.engine.runtime import Runtime

    rt = Runtime(env)
    rg, ns, sub = env.azure.resource_group, env.azure.service_bus.namespace, env.azure.subscription_id
    for group, name, location in ((rg, ns, "eastus"), (f"{rg}-westus", f"{ns}-westus", "westus")):
        rt.azure.resources.resource_groups.create_or_update(group, {"location": location})
        body = {"location": location, "sku": {"name": "Premium", "tier": "Premium", "capacity": 1}}
        rt.azure.servicebus.namespaces.begin_create_or_update(group, name, body).result()
    partner = f"/subscriptions/{sub}/resourceGroups/{rg}-westus/providers/Microsoft.ServiceBus/namespaces/{ns}-westus"
    rt.azure.servicebus.disaster_recovery_configs.create_or_update(
        rg, ns, ALIAS, {"properties": {"partnerNamespace": partner}}
    )


def grant(arm: Any, body: dict[str, Any]) -> None:
    """Set what the fake answers for the caller's permissions (`/_admin/permissions`)."""
    req = urllib.request.Request(
        f"{arm.url}/_admin/permissions",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200


def azure_check(env: Any) -> Any:
    """The `permissions-azure` check of a failover to AWS that moves the SQL primary and the bus alias."""
    from multicloud_ctl.config.specs.failover import FailoverSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.busdr import geo_dr_steps
    from multicloud_ctl.operations.failover.readiness import azure_needs, check_azure_permissions
    from multicloud_ctl.operations.failover.switch import sql_failover_steps

    spec = FailoverSpec.model_validate(
        {
            "to": "aws",
            "load_balancer": {"order": ["aws", "azure"]},
            "sql_failover_group": {"primary": "secondary"},
            "servicebus_geo_dr": {"alias": ALIAS},
        }
    )
    rt = Runtime(env, dry_run=True)
    steps = [*sql_failover_steps(rt, spec), *geo_dr_steps(rt, spec)]
    assert [s.id for s in steps] == ["sql-failover-group", "servicebus-geo-dr"]
    needs = [n for s in steps for x in (s, s.rollback) if x is not None for n in azure_needs(rt, x)]
    check = check_azure_permissions(rt, needs)
    assert rt.azure.counter.total > 0 and rt.azure.counter.mutating == 0 and rt.azure.counter.blocked == 0
    return check


def test_every_action_granted_passes_and_lists_each_resource_once(env: Any, arm_server: Any) -> None:
    mark = arm_server.server.conformance.total
    check = azure_check(env)  # the sandbox's caller is an Owner
    assert check.result == "pass", check.detail
    assert check.measured == "6/6 allowed"  # failover + read on each server and on the namespace
    assert FAILOVER in check.detail and BUS_FAILOVER in check.detail
    listed = [
        e["path"]
        for e in arm_server.server.conformance.entries(since=mark)
        if e["path"].lower().endswith("/microsoft.authorization/permissions")
    ]
    assert len(listed) == 3 and all("/providers/Microsoft.Sql/servers/" in p or "/namespaces/" in p for p in listed)


def test_a_role_without_the_failover_action_is_a_finding_naming_it_and_the_step(env: Any, arm_server: Any) -> None:
    # a role that reads failover groups and may do anything on Service Bus, but cannot fail a group over
    grant(arm_server, {"value": [{"actions": ["Microsoft.Sql/servers/failoverGroups/read", "microsoft.servicebus/*"]}]})
    check = azure_check(env)
    assert check.result == "fail"
    assert check.detail.startswith("the caller may not: ")
    assert f"{FAILOVER} (step sql-failover-group, on Microsoft.Sql/servers/mcctl-sql-westus)" in check.detail
    assert f"{FAILOVER} (step undo-sql-failover-group, on Microsoft.Sql/servers/mcctl-sql)" in check.detail
    assert "ServiceBus" not in check.detail  # matched case-insensitively by the wildcard
    assert check.measured == "4/6 allowed"


def test_not_actions_subtract_from_their_own_role_only(env: Any, arm_server: Any) -> None:
    subtracted = {"actions": ["*"], "notActions": ["Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/*/action"]}
    grant(arm_server, {"value": [subtracted]})
    check = azure_check(env)
    assert check.result == "fail"
    assert f"{BUS_FAILOVER} (step servicebus-geo-dr, on Microsoft.ServiceBus/namespaces/mcctl-bus-westus)" in (
        check.detail
    )
    assert "Microsoft.Sql" not in check.detail and check.measured == "5/6 allowed"
    # another role that grants it: notActions are no deny, the action is allowed through that role
    grant(arm_server, {"value": [subtracted, {"actions": ["Microsoft.ServiceBus/namespaces/*"]}]})
    assert azure_check(env).result == "pass"


def test_a_refused_or_unreachable_listing_is_unknown(env: Any, arm_server: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.failover.readiness import AzureNeed, check_azure_permissions

    grant(arm_server, {"refuse": True})
    check = azure_check(env)
    assert check.result == "unknown"
    assert "cannot list the caller's permissions" in check.detail and "HTTP 403 AuthorizationFailed" in check.detail
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    gone = env.model_copy(update={"azure": env.azure.model_copy(update={"arm_endpoint": closed})})
    scope = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}"
    unreachable = check_azure_permissions(Runtime(gone, dry_run=True), [AzureNeed("s", FAILOVER, scope)])
    assert unreachable.result == "unknown" and "unreachable" in unreachable.detail


def call(arm: Any, path: str) -> tuple[int, Any]:
    req = urllib.request.Request(f"{arm.url}{path}", headers={"Authorization": "Bearer t"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_fake_answers_the_permissions_wire_shape_and_refuses_what_arm_refuses(env: Any, arm_server: Any) -> None:
    sub, rg = env.azure.subscription_id, env.azure.resource_group
    path = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Authorization/permissions"
    status, body = call(arm_server, f"{path}?api-version=2022-04-01")
    assert status == 200
    assert body == {"value": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]}
    status, body = call(arm_server, f"{path}?api-version=2021-01-01")
    assert status == 400 and body["error"]["code"] == "NoRegisteredProviderFound"
    status, body = call(arm_server, path.replace(rg, "no-such-group") + "?api-version=2022-04-01")
    assert status == 404 and body["error"]["code"] == "ResourceGroupNotFound"
    req = urllib.request.Request(
        f"{arm_server.url}/_admin/permissions", data=json.dumps({"value": [{"action": ["*"]}]}).encode(), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as typo:  # a misspelt field is refused, not granted as nothing
        urllib.request.urlopen(req, timeout=5)
    assert typo.value.code == 400
    on_missing = path.replace("/providers/", "/providers/Microsoft.Sql/servers/nope/providers/", 1)
    status, body = call(arm_server, f"{on_missing}?api-version=2022-04-01")
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"


def test_the_cli_exits_3_naming_the_missing_action_and_its_step(
    cli: Any, fo_env: Any, lb: dict[str, str], arm_server: Any, tmp_path: Path
) -> None:
    """End to end: `mcctl failover readiness --to aws` builds the plan from the live state (the bus alias to
    fail over), lists the permissions on the namespace and reports the subtracted action as a finding."""
    arm_server.server.store.reset()
    env = fo_env.model_copy(update={"azure": fo_env.azure.model_copy(update={"arm_endpoint": arm_server.url})})
    pair_bus(env)
    config = tmp_path / "config"
    config.mkdir()
    (config / f"{env.name}.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    books = tmp_path / "books"
    books.mkdir()
    write_playbook(books, "aws", extra=f"  servicebus_geo_dr: {{alias: {ALIAS}}}\n")
    grant(arm_server, {"value": [{"actions": ["*"], "notActions": [BUS_FAILOVER]}]})
    res = run(cli, config, "failover", "readiness", "--to", "aws", "--playbooks", str(books))
    assert res.exit_code == 3, res.stderr
    doc = json.loads(res.stdout)
    assert doc["findings"] == [
        "aws permissions-azure fail: the caller may not: "
        f"{BUS_FAILOVER} (step servicebus-geo-dr, on Microsoft.ServiceBus/namespaces/mcctl-bus-westus)"
    ]
    grant(arm_server, {"value": [{"actions": ["*"]}]})
    res = run(cli, config, "failover", "readiness", "--to", "aws", "--playbooks", str(books))
    assert res.exit_code == 0, res.stdout
    azure = next(c for c in json.loads(res.stdout)["checks"] if c["name"] == "permissions-azure")
    assert azure["result"] == "pass" and azure["measured"] == "2/2 allowed"
