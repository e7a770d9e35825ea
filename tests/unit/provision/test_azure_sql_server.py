"""The SQL server has a real Entra admin outside the sandbox and can be reached (firewall, not a dead server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.errors import ConfigError
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_sql_server import AzureSqlServer

REPO = Path(__file__).resolve().parents[3]


def specs(env_name: str, **settings: object) -> list:
    env = load_environment("local", REPO / "config")
    env = env.model_copy(update={"name": env_name, "kind": "local" if env_name == "local" else "cloud"})
    spec = ProvisionSpec.model_validate({"kinds": {"azure_sql_server": settings}} if settings else {})
    return AzureSqlServer().arm(DesiredContext(env=env, spec=spec, features=spec.features_for(env_name)))


def test_outside_the_sandbox_an_unset_admin_object_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="admin_group_object_id") as err:
        specs("prod")
    assert "az ad group show" in (err.value.hint or "")
    oid = "7f3a9c2e-1b4d-4e8f-9a6b-2c5d8e1f0a3b"
    server = specs("prod", admin_group_object_id=oid)[0].body["properties"]
    assert server["administrators"]["sid"] == oid and server["administrators"]["azureADOnlyAuthentication"]


def test_the_server_is_reachable_through_firewall_rules_not_disabled() -> None:
    out = specs("local", allowed_ip_ranges=["203.0.113.0-203.0.113.255", "198.51.100.7"])
    server = next(a for a in out if a.id.endswith("/servers/mcctl-sql"))
    assert server.body["properties"]["publicNetworkAccess"] == "Enabled"
    rules = {a.id.rsplit("/", 1)[1]: a.body["properties"] for a in out if "/firewallRules/" in a.id}
    assert rules["AllowAllWindowsAzureIps"] == {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}
    assert rules["operators-1"] == {"startIpAddress": "203.0.113.0", "endIpAddress": "203.0.113.255"}
    assert rules["operators-2"] == {"startIpAddress": "198.51.100.7", "endIpAddress": "198.51.100.7"}
    with pytest.raises(ValueError, match="ends before"):
        specs("local", allowed_ip_ranges=["10.0.0.9-10.0.0.1"])


def test_front_door_serves_from_a_public_assets_container_not_the_private_backups_account() -> None:
    from multicloud_ctl.operations.provision.kinds.azure_frontdoor import AzureFrontDoor
    from multicloud_ctl.operations.provision.kinds.azure_storage_account import AzureStorageAccount

    env = load_environment("local", REPO / "config")
    spec = ProvisionSpec()
    ctx = DesiredContext(env=env, spec=spec, features=spec.features_for("local"))
    backups = {a.name: a.body for a in AzureStorageAccount().arm(ctx)}
    fd = AzureFrontDoor().arm(ctx)
    origin = next(a for a in fd if "/origins/" in a.id).body["properties"]
    account = origin["hostName"].split(".", 1)[0]
    assert account not in backups and all(not b["properties"]["allowBlobPublicAccess"] for b in backups.values())
    served = next(a for a in fd if a.name == account)
    assert served.body["properties"]["allowBlobPublicAccess"] is True
    assert "Microsoft.Storage/storageAccounts" in served.id and len(account) <= 24
    container = next(a for a in fd if a.id.endswith("/containers/assets"))
    assert container.body["properties"]["publicAccess"] == "Blob" and container.owner == served.id
    route = next(a for a in fd if "/routes/" in a.id).body["properties"]
    assert route["originPath"] == "/assets"
    resources = AzureFrontDoor().desired(ctx)
    assert {r.inputs["api_version"] for r in resources if "Microsoft.Storage" in r.inputs["id"]} == {"2023-05-01"}
