"""Monitoring and secrets (issue 18 item 6): the Log Analytics workspace and its custom table, the data collection
endpoint and rule `logs ship` uploads through, the functions' diagnostic settings and the Key Vault `secrets
rotate` writes to, converged on the fake ARM through azure-mgmt-resource, and the fake refusing what the
services refuse (local/arm/monitoring.py, local/arm/vaults.py)."""

from __future__ import annotations

from typing import Any

import pytest

from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration
KINDS = (
    "azure_resource_group",
    "azure_function_plan",
    "azure_function_app",
    "azure_log_workspace",
    "azure_data_collection_endpoint",
    "azure_data_collection_rule",
    "azure_diagnostic_setting",
    "azure_key_vault",
)
NEW_TYPES = {
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.OperationalInsights/workspaces/tables",
    "Microsoft.Insights/dataCollectionEndpoints",
    "Microsoft.Insights/dataCollectionRules",
    "Microsoft.Insights/diagnosticSettings",
    "Microsoft.KeyVault/vaults",
}


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def of_type(arm: Any, rtype: str) -> list[dict[str, Any]]:
    return [r for r in arm.server.store.resources.values() if r["type"] == rtype]


def one(arm: Any, rtype: str) -> dict[str, Any]:
    found = of_type(arm, rtype)
    assert len(found) == 1, (rtype, found)
    return found[0]


def destroy(rt: Any, spec: Any) -> None:
    from multicloud_ctl.engine.run import Operation, run

    plan = provision.destroy_plan(rt, spec)
    assert run(rt, Operation("provision destroy", lambda _rt: plan)).status == "ok"


def test_the_monitoring_kinds_wire_logs_ship_and_secrets_rotate_and_read_no_drift(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.operations.observability.ingestion_target import provisioned_target
    from multicloud_ctl.operations.security.apikey_store import vault_name
    from multicloud_ctl.providers.azure.keyvault import vault_url

    spec = aws_spec(*KINDS)
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    env = cloud_runtime().environment
    ws = one(arm, "Microsoft.OperationalInsights/workspaces")
    table = one(arm, "Microsoft.OperationalInsights/workspaces/tables")
    dce = one(arm, "Microsoft.Insights/dataCollectionEndpoints")
    dcr = one(arm, "Microsoft.Insights/dataCollectionRules")
    vault = one(arm, "Microsoft.KeyVault/vaults")
    assert ws["location"] == dce["location"] == dcr["location"] == env.azure.regions.primary
    assert table["id"].startswith(ws["id"] + "/") and table["name"] == "McctlFunctions_CL"
    rule = dcr["properties"]
    assert rule["dataCollectionEndpointId"] == dce["id"]
    assert rule["destinations"]["logAnalytics"][0]["workspaceResourceId"] == ws["id"]
    assert rule["dataFlows"][0] | {} == {
        "streams": ["Custom-McctlFunctions"],
        "destinations": ["central"],
        "transformKql": "source",
        "outputStream": "Custom-McctlFunctions_CL",
    }
    assert rule["immutableId"].startswith("dcr-") and ws["properties"]["customerId"]
    # what logs ship uploads through: the provisioned rule's immutable id at its endpoint's ingestion URL
    assert provisioned_target(cloud_runtime()) == (arm.url, rule["immutableId"])
    # what secrets rotate writes to (apikey_store): the provisioned vault, whose URI the fake serves
    assert vault["name"] == vault_name(env) and vault["properties"]["vaultUri"] == vault_url(env, vault["name"]) + "/"
    assert vault["properties"]["tenantId"] == env.azure.tenant_id
    assert vault["properties"]["enableRbacAuthorization"] and vault["properties"]["enablePurgeProtection"]
    # every function app of both locations sends FunctionAppLogs to the central workspace
    sites = {s["id"].lower() for s in of_type(arm, "Microsoft.Web/sites")}
    settings = of_type(arm, "Microsoft.Insights/diagnosticSettings")
    assert len(sites) == 2 * len(env.azure.function_apps)
    assert {s["id"].lower().split("/providers/microsoft.insights/")[0] for s in settings} == sites
    assert {s["properties"]["workspaceId"] for s in settings} == {ws["id"]}
    assert all([entry["category"] for entry in s["properties"]["logs"]] == ["FunctionAppLogs"] for s in settings)
    # the ids the services assign stay what they were across a re-apply (nothing flaps)
    assigned = (ws["properties"]["customerId"], rule["immutableId"], dce["properties"]["immutableId"])
    provision.apply(cloud_runtime(), aws_spec(*KINDS, kinds={"azure_log_workspace": {"retention_days": 60}}))
    again = (
        one(arm, "Microsoft.OperationalInsights/workspaces")["properties"],
        one(arm, "Microsoft.Insights/dataCollectionRules")["properties"],
        one(arm, "Microsoft.Insights/dataCollectionEndpoints")["properties"],
    )
    assert again[0]["retentionInDays"] == 60
    assert (again[0]["customerId"], again[1]["immutableId"], again[2]["immutableId"]) == assigned


def test_destroy_removes_every_monitoring_kind_and_apply_recovers_the_soft_deleted_vault(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.providers.azure.keyvault import KeyVaultSecrets
    from multicloud_ctl.providers.azure.resources import ArmResources

    spec = aws_spec(*KINDS)
    provision.apply(cloud_runtime(), spec)
    vault = one(arm, "Microsoft.KeyVault/vaults")
    kv = KeyVaultSecrets(cloud_runtime().azure, vault["properties"]["vaultUri"].rstrip("/"))
    kv.set("service-api-keys", "k1", {})
    destroy(cloud_runtime(), spec)
    left = {r["type"] for r in arm.server.store.resources.values()}
    # what stays: the soft-deleted vault, and the secret in the (data-plane) fake vault
    assert left & NEW_TYPES == set() and left == {
        "Microsoft.KeyVault/deletedVaults",
        "Microsoft.KeyVault/vaults/secrets",
    }
    # the name stays taken while the vault is soft-deleted: a plain create is refused as Key Vault refuses it
    provision.apply(cloud_runtime(), aws_spec("azure_resource_group"))
    with pytest.raises(McctlError, match="ConflictError"):
        ArmResources(cloud_runtime().azure).put(
            vault["id"],
            "2023-07-01",
            {k: vault[k] for k in ("location", "tags")}
            | {"properties": {k: vault["properties"][k] for k in ("tenantId", "sku")}},
        )
    # apply recovers it (createMode recover), with its settings and secrets, and then reads no drift
    plans = provision.plan_resources(cloud_runtime(dry_run=True), spec)
    assert {p.action for p in plans if p.address.startswith("azure_key_vault/")} == {"create"}
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    assert of_type(arm, "Microsoft.KeyVault/deletedVaults") == []
    assert one(arm, "Microsoft.KeyVault/vaults")["properties"]["enablePurgeProtection"] is True
    assert kv.get("service-api-keys").value == "k1"


def test_the_fake_refuses_monitoring_and_vault_requests_as_azure_does(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.providers.azure.resources import ArmResources

    provision.apply(cloud_runtime(), aws_spec(*KINDS))
    res = ArmResources(cloud_runtime().azure)
    ws = one(arm, "Microsoft.OperationalInsights/workspaces")
    dcr = one(arm, "Microsoft.Insights/dataCollectionRules")
    vault = one(arm, "Microsoft.KeyVault/vaults")
    setting = of_type(arm, "Microsoft.Insights/diagnosticSettings")[0]
    site = setting["id"].split("/providers/Microsoft.Insights/")[0]
    rule = {k: dcr[k] for k in ("location", "tags", "properties")}
    flow = rule["properties"]["dataFlows"][0]

    def put_rule(**changes: Any) -> None:
        props = {k: v for k, v in rule["properties"].items() if k != "immutableId"} | changes
        res.put(dcr["id"].replace("-functions", "-other"), "2023-03-11", rule | {"properties": props})

    def put_vault(**changes: Any) -> None:
        props = {k: v for k, v in vault["properties"].items() if k != "vaultUri"} | changes
        res.put(vault["id"], "2023-07-01", {"location": vault["location"], "properties": props})

    def put_vault_named(rid: str) -> None:
        props = {k: vault["properties"][k] for k in ("tenantId", "sku")}
        res.put(rid, "2023-07-01", {"location": vault["location"], "properties": props})

    def put_setting(name: str, **changes: Any) -> None:
        sent = {"workspaceId": ws["id"], "logs": [{"category": "FunctionAppLogs", "enabled": True}]}
        props = {k: v for k, v in (sent | changes).items() if v is not None}
        res.put(
            f"{site}/providers/Microsoft.Insights/diagnosticSettings/{name}",
            "2021-05-01-preview",
            {"properties": props},
        )

    columns = [{"name": "message", "type": "string"}]
    refusals = {
        "Custom table name 'Orders' must end with '_CL'": lambda: res.put(
            f"{ws['id']}/tables/Orders",
            "2022-10-01",
            {"properties": {"schema": {"name": "Orders", "columns": columns}}},
        ),
        "must have a 'TimeGenerated' column": lambda: res.put(
            f"{ws['id']}/tables/Orders_CL",
            "2022-10-01",
            {"properties": {"schema": {"name": "Orders_CL", "columns": columns}}},
        ),
        "stream 'Custom-Other' is not declared": lambda: put_rule(dataFlows=[flow | {"streams": ["Custom-Other"]}]),
        "destination 'elsewhere' is not defined": lambda: put_rule(dataFlows=[flow | {"destinations": ["elsewhere"]}]),
        "table for output stream 'Custom-Missing_CL'": lambda: put_rule(
            dataFlows=[flow | {"outputStream": "Custom-Missing_CL"}]
        ),
        "Category 'AuditEvent' is not supported": lambda: put_setting(
            "other", logs=[{"category": "AuditEvent", "enabled": True}]
        ),
        "already used in diagnostic setting": lambda: put_setting("second"),
        "At least one storage account": lambda: put_setting("none", workspaceId=None),
        "enableSoftDelete": lambda: put_vault(enableSoftDelete=False),
        "enablePurgeProtection": lambda: put_vault(enablePurgeProtection=False),
        "softDeleteRetentionInDays": lambda: put_vault(softDeleteRetentionInDays=30),
        "VaultNameNotValid": lambda: put_vault_named(vault["id"] + "--x"),
        "InvalidResourceName": lambda: res.put(ws["id"] + "-" * 3, "2022-10-01", {"location": "eastus"}),
    }
    for says, call in refusals.items():
        with pytest.raises(McctlError, match=says):
            call()
    assert len(of_type(arm, "Microsoft.Insights/dataCollectionRules")) == 1


@pytest.mark.violations_expected
def test_bodies_the_published_schemas_refuse_are_refused(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    """The vendored ARM schemas (local/arm/schemas) of the new types: a body they refuse is refused (400
    InvalidRequestContent) before any service rule runs, and the conformance log names the violation."""
    from multicloud_ctl.providers.azure.resources import ArmResources

    provision.apply(cloud_runtime(), aws_spec("azure_resource_group", "azure_log_workspace"))
    res = ArmResources(cloud_runtime().azure)
    ws = one(arm, "Microsoft.OperationalInsights/workspaces")
    group = ws["id"].split("/providers/")[0]
    bad = {
        f"{group}/providers/Microsoft.OperationalInsights/workspaces/other-logs": (
            "2022-10-01",
            {"location": "eastus", "properties": {"sku": {"name": "Cheap"}}},
        ),
        f"{group}/providers/Microsoft.KeyVault/vaults/other-kv": (
            "2023-07-01",
            {"location": "eastus", "properties": {"tenantId": "t", "sku": {"family": "A", "name": "gold"}}},
        ),
        f"{group}/providers/Microsoft.Insights/dataCollectionRules/other": (
            "2023-03-11",
            {"location": "eastus", "properties": {"dataFlows": {"streams": "Custom-X"}}},
        ),
        f"{group}/providers/Microsoft.Insights/dataCollectionEndpoints/other": (
            "2023-03-11",
            {"location": "eastus", "properties": {"networkAcls": {"publicNetworkAccess": "Sometimes"}}},
        ),
        f"{ws['id']}/providers/Microsoft.Insights/diagnosticSettings/bad": (
            "2021-05-01-preview",
            {"properties": {"workspaceId": ws["id"], "logs": [{"category": "Audit"}]}},  # `enabled` is required
        ),
    }
    arm.server.conformance.clear()
    for rid, (version, body) in bad.items():
        with pytest.raises(McctlError, match="InvalidRequestContent"):
            res.put(rid, version, body)
    refused = [e for e in arm.server.conformance.entries() if e["method"] == "PUT"]
    assert len(refused) == len(bad) and all(e["violations"] and e["status"] == 400 for e in refused)
    assert {e["operation"].split("@")[0] for e in refused} == {
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.KeyVault/vaults",
        "Microsoft.Insights/dataCollectionRules",
        "Microsoft.Insights/dataCollectionEndpoints",
        "Microsoft.Insights/diagnosticSettings",
    }


def test_logs_ship_uploads_through_the_provisioned_rule_unless_the_playbook_names_one(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    from multicloud_ctl.config.specs.observability import LogShipping
    from multicloud_ctl.operations.observability.ingestion_target import ingestion_target
    from multicloud_ctl.providers.azure.monitor_logs import LogsIngestion

    spec = LogShipping()
    before = ingestion_target(cloud_runtime(), spec)  # nothing provisioned: the sandbox's fallback
    assert (before.endpoint, before.rule_id, before.source) == (arm.url, "dcr-mcctl-functions", "sandbox")
    provision.apply(cloud_runtime(), aws_spec(*KINDS))
    immutable = one(arm, "Microsoft.Insights/dataCollectionRules")["properties"]["immutableId"]
    target = ingestion_target(cloud_runtime(), spec)
    assert (target.endpoint, target.rule_id, target.source) == (arm.url, immutable, "provisioned")
    named = LogShipping(ingestion_endpoint="https://other.eastus-1.ingest.monitor.azure.com", dcr_immutable_id="dcr-x")
    assert ingestion_target(cloud_runtime(), named).source == "playbook"
    # the fake's Logs Ingestion API takes the rule's declared stream and refuses another one
    client = LogsIngestion(cloud_runtime().azure, target.endpoint)
    assert client.upload(immutable, spec.stream, [{"message": "hello", "TimeGenerated": "2026-11-17T10:00:00Z"}]) == 1
    with pytest.raises(McctlError, match="InvalidStream"):
        client.upload(immutable, "Custom-Undeclared", [{"message": "hello"}])
