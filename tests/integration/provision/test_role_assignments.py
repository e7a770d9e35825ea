"""The function apps' managed identities get the Service Bus data roles on their namespace (local auth is
off there, so without them the functions cannot receive or send) and Key Vault Secrets User on the vault (RBAC
authorization: without it they cannot read the API keys), and the fake ARM refuses role assignments the way
Azure does."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
KINDS = (
    "azure_resource_group",
    "azure_servicebus_namespace",
    "azure_function_plan",
    "azure_function_app",
    "azure_role_assignment",
)
RECEIVER = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"
SENDER = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def of_type(arm: Any, rtype: str) -> list[dict[str, Any]]:
    return [r for r in arm.server.store.resources.values() if r["type"] == rtype]


def test_each_function_app_identity_may_receive_and_send_on_its_namespace(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(*KINDS)
    provision.apply(cloud_runtime(), spec)
    sites = of_type(arm, "Microsoft.Web/sites")
    grants = of_type(arm, ASSIGNMENTS)
    env = cloud_runtime().environment
    assert sites and len(grants) == 2 * len(sites)
    for site in sites:
        principal = site["identity"]["principalId"]
        location = site["location"]
        namespace = env.azure.service_bus.namespace + ("" if location == env.azure.regions.primary else f"-{location}")
        mine = [g["properties"] for g in grants if g["properties"]["principalId"] == principal]
        assert {p["roleDefinitionId"].rsplit("/", 1)[1] for p in mine} == {RECEIVER, SENDER}, site["name"]
        assert {p["scope"].rsplit("/", 1)[1] for p in mine} == {namespace}
        assert {p["principalType"] for p in mine} == {"ServicePrincipal"}
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}


def test_a_recreated_identity_is_drift_and_apply_moves_the_roles_to_it(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(*KINDS)
    provision.apply(cloud_runtime(), spec)
    site = of_type(arm, "Microsoft.Web/sites")[0]
    new = str(uuid.uuid4())
    with arm.server.store.lock:  # the app was deleted and created again: a new service principal
        arm.server.store.resources[site["id"].lower()]["identity"]["principalId"] = new
    changed = pending(provision.plan_resources(cloud_runtime(dry_run=True), spec))
    assert len(changed) == 2 and all(site["name"] in address for address in changed), changed
    provision.apply(cloud_runtime(), spec)
    assert sum(g["properties"]["principalId"] == new for g in of_type(arm, ASSIGNMENTS)) == 2
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}


def test_the_fake_arm_refuses_role_assignments_as_azure_does(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.providers.azure.resources import ArmResources

    provision.apply(cloud_runtime(), aws_spec(*KINDS))
    res = ArmResources(cloud_runtime().azure)
    grant = of_type(arm, ASSIGNMENTS)[0]
    scope = grant["properties"]["scope"]
    sub = scope.split("/")[2]
    role = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{RECEIVER}"
    principal = grant["properties"]["principalId"]
    granted = grant["properties"]["roleDefinitionId"].rsplit("/", 1)[1]
    other = role.replace(RECEIVER, SENDER if granted == RECEIVER else RECEIVER)

    def put(name: str, **props: str) -> None:
        body = {"properties": {"roleDefinitionId": role, "principalId": principal, **props}}
        res.put(f"{scope}/providers/{ASSIGNMENTS}/{name}", "2022-04-01", body)

    refusals = {
        "InvalidRoleAssignmentId": lambda: put("receiver-of-payment-processor"),
        "PrincipalNotFound": lambda: put(str(uuid.uuid4()), principalId=str(uuid.uuid4())),
        "RoleDefinitionDoesNotExist": lambda: put(str(uuid.uuid4()), roleDefinitionId=role[:-4] + "0000"),
        "RoleAssignmentExists": lambda: put(str(uuid.uuid4())),  # same principal, role and scope
        "RoleAssignmentUpdateNotPermitted": lambda: put(grant["name"], roleDefinitionId=other),  # in place
    }
    for code, call in refusals.items():
        with pytest.raises(McctlError, match=code):
            call()


def test_each_function_app_identity_may_read_the_key_vaults_secrets(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.operations.security.apikey_store import vault_name

    spec = aws_spec(*KINDS, "azure_key_vault")
    provision.apply(cloud_runtime(), spec)
    sites = of_type(arm, "Microsoft.Web/sites")
    vault = vault_name(cloud_runtime().environment)
    on_vault = [g["properties"] for g in of_type(arm, ASSIGNMENTS) if g["properties"]["scope"].endswith(vault)]
    assert sites and len(on_vault) == len(sites)  # the apps of both locations read the one vault
    assert {g["principalId"] for g in on_vault} == {s["identity"]["principalId"] for s in sites}
    assert {g["roleDefinitionId"].rsplit("/", 1)[1] for g in on_vault} == {SECRETS_USER}
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    # without the vault kind (disabled for the environment) there is nothing to grant on
    assert not [
        p.address
        for p in provision.plan_resources(cloud_runtime(dry_run=True), aws_spec(*KINDS))
        if "/kv-" in p.address
    ]
    from multicloud_ctl.engine.run import Operation, run

    rt = cloud_runtime()
    plan = provision.destroy_plan(rt, spec)
    assert run(rt, Operation("provision destroy", lambda _rt: plan)).status == "ok"
    assert of_type(arm, ASSIGNMENTS) == []
