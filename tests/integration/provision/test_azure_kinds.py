"""Every Azure kind against the fake ARM through azure-mgmt-resource: converge, no-op, drift, destroy."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.operations import provision
from multicloud_ctl.operations.provision.registry import KINDS

pytestmark = pytest.mark.integration
# the VPN's Azure side needs the AWS tunnels' outside IPs: tested with both clouds in test_vpn_kinds.py
CROSS_CLOUD = {"azure_local_network_gateway", "azure_vpn_connection"}
AZURE_KINDS = [name for name, kind in KINDS.items() if kind.provider == "azure" and name not in CROSS_CLOUD]


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def test_azure_apply_converges_and_destroys(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    spec = aws_spec(*AZURE_KINDS)
    first = provision.plan_resources(cloud_runtime(dry_run=True), spec)
    assert {p.action for p in first} == {"create"}
    assert arm.server.store.resources == {}  # planning made nothing
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    store = arm.server.store
    ids = {r["id"].lower() for r in store.resources.values()}
    assert any(i.endswith("/blobservices/default/containers/backups") for i in ids)
    assert any(i.endswith("/managementpolicies/default") for i in ids)
    rt = cloud_runtime()
    destroy = provision.destroy_plan(rt, spec)
    from multicloud_ctl.engine.run import Operation, run

    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    # Key Vault keeps the deleted vault (soft delete, local/arm/vaults.py): its name stays taken for recovery
    kept = [r["type"] for r in store.resources.values()]
    assert kept == ["Microsoft.KeyVault/deletedVaults"] and store.groups == {}


def test_sql_geo_replica_adds_failover_group_and_secondary_database(cloud_env: Any, aws_spec: Any, arm: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime

    sql = cloud_env.azure.sql.model_copy(update={"geo_replica": True})
    env = cloud_env.model_copy(update={"azure": cloud_env.azure.model_copy(update={"sql": sql})})
    spec = aws_spec("azure_resource_group", "azure_sql_server", "azure_sql_database", "azure_sql_failover_group")
    plans = provision.plan_resources(Runtime(env, dry_run=True), spec)
    order = [p.address for p in plans]
    assert order.index("azure_sql_database/mcctl-sql/mcctl") < order.index("azure_sql_database/mcctl-sql-westus/mcctl")
    assert order[-1] == "azure_sql_failover_group/mcctl-sql-fg"
    provision.apply(Runtime(env), spec)
    assert pending(provision.plan_resources(Runtime(env, dry_run=True), spec)) == {}
    fg = next(r for r in arm.server.store.resources.values() if r["type"] == "Microsoft.Sql/servers/failoverGroups")
    assert fg["properties"]["partnerServers"][0]["id"].endswith("/servers/mcctl-sql-westus")
    secondary = next(
        r for r in arm.server.store.resources.values() if r["id"].endswith("mcctl-sql-westus/databases/mcctl")
    )
    assert secondary["properties"]["createMode"] == "Secondary"


def test_function_apps_read_no_drift_and_an_update_keeps_the_settings_deploy_wrote(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    """App Service answers a site GET with `siteConfig` nulls and replaces app settings on a site PUT
    (local/arm/webapps.py cites the sources): provision must read `config/web` and re-send the settings."""
    from multicloud_ctl.providers.azure.functionapps import FunctionApps

    kinds = ("azure_resource_group", "azure_function_plan", "azure_function_app")
    spec = aws_spec(*kinds)
    provision.apply(cloud_runtime(), spec)
    site = next(r for r in arm.server.store.resources.values() if r["type"] == "Microsoft.Web/sites")
    assert site["properties"]["siteConfig"]["linuxFxVersion"] is None  # what a real GET shows
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}  # no phantom drift
    apps = FunctionApps(cloud_runtime().azure)
    app = cloud_runtime().environment.azure.function_apps[0]
    apps.set_settings(app, {"WEBSITE_RUN_FROM_PACKAGE": "https://pkg/1.zip", "MCCTL_FN_CLOUD": "azure"})
    newer = aws_spec(*kinds, kinds={"azure_function_app": {"python_version": "3.12"}})
    changed = pending(provision.plan_resources(cloud_runtime(dry_run=True), newer))
    assert any("linuxFxVersion" in str(c) for c in changed.values()), changed
    provision.apply(cloud_runtime(), newer)
    assert apps.settings(app) == {"WEBSITE_RUN_FROM_PACKAGE": "https://pkg/1.zip", "MCCTL_FN_CLOUD": "azure"}
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), newer)) == {}


# Written at a version the schemas repository publishes no file for (schemas/README.md): recorded, not validated.
NO_SCHEMA = {"Microsoft.Web/sites/config@2025-05-01 (no schema)"}


def test_every_azure_write_of_an_apply_conforms_to_the_published_schema(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    """Every PUT an apply of all Azure kinds sends is checked against the vendored ARM schema of its api-version
    (local/arm/bodies.py) and has no violation; every long-running create was really polled to Succeeded."""
    arm.server.conformance.clear()
    spec = aws_spec(*AZURE_KINDS)
    provision.apply(cloud_runtime(), spec)
    writes = [e for e in arm.server.conformance.entries() if e["method"] in ("PUT", "PATCH")]
    assert writes
    assert [e for e in writes if e["violations"]] == []
    unchecked = {e["operation"] for e in writes if e["operation"] is None or "(no schema)" in e["operation"]}
    assert unchecked <= NO_SCHEMA, unchecked
    checked = {e["operation"] for e in writes} - unchecked
    assert {"Microsoft.Storage/storageAccounts@2023-05-01", "Microsoft.Sql/servers@2021-11-01"} <= checked
    assert {"Microsoft.Cdn/profiles/afdEndpoints/routes@2023-05-01", "Microsoft.Web/sites@2023-12-01"} <= checked
    # ARM's async contract: storage creates answer 202, Front Door/Service Bus 201, SQL 202; all then polled
    statuses = {(e["operation"], e["status"]) for e in writes}
    assert ("Microsoft.Storage/storageAccounts@2023-05-01", 202) in statuses
    assert ("Microsoft.ServiceBus/namespaces@2024-01-01", 201) in statuses
    assert ("Microsoft.Sql/servers/databases@2021-11-01", 202) in statuses
    ops = arm.server.store.operations.values()
    assert ops and all(op.status == "Succeeded" for op in ops)
    states = {r["properties"].get("provisioningState") for r in arm.server.store.resources.values()}
    assert states == {"Succeeded"}


def test_a_resource_still_creating_is_not_drift_and_is_not_put_again(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    """A GET while ARM still says Creating shows the body as sent: the planner sees no change, sends no PUT."""
    from multicloud_ctl.operations.provision.kind import DesiredContext
    from multicloud_ctl.operations.provision.kinds.azure_storage_account import AzureStorageAccount

    spec = aws_spec("azure_resource_group", "azure_storage_account")
    provision.apply(cloud_runtime(), aws_spec("azure_resource_group"))
    rt = cloud_runtime()
    ctx = DesiredContext(env=rt.environment, spec=spec, features=spec.features_for(rt.environment.name))
    arm.server.store.lro_polls = 50  # the creates stay in progress for 50 polls (each GET counts as one)
    accounts = AzureStorageAccount().arm(ctx)
    for wanted in accounts:
        poller = rt.azure.resources.resources.begin_create_or_update_by_id(
            wanted.id, wanted.body, api_version="2023-05-01"
        )
        assert poller.status() == "InProgress"
    arm.server.conformance.clear()
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    for wanted in accounts:
        live = arm.server.store.get_resource(wanted.id)
        assert live is not None and live["properties"]["provisioningState"] == "Creating"
    provision.apply(cloud_runtime(), spec)
    assert [e for e in arm.server.conformance.entries() if e["method"] == "PUT"] == []
