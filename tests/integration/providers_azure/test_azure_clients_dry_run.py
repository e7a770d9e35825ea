"""Under --dry-run the Azure clients make zero mutating calls: reads work, writes are refused and counted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from multicloud_ctl.errors import DryRunViolation
from multicloud_ctl.local.jsonhttp import ServerHandle
from multicloud_ctl.providers.azure.clients import AzureClients

pytestmark = pytest.mark.integration


def test_mgmt_reads_pass_and_writes_are_refused_under_dry_run(azure_env: Any, arm: ServerHandle) -> None:
    AzureClients(azure_env).resources.resource_groups.create_or_update("existing", {"location": "eastus"})
    az = AzureClients(azure_env, dry_run=True)
    assert [g.name for g in az.resources.resource_groups.list()] == ["existing"]
    with pytest.raises(DryRunViolation, match="PUT"):
        az.resources.resource_groups.create_or_update("new", {"location": "eastus"})
    with pytest.raises(DryRunViolation, match="DELETE"):
        az.resources.resource_groups.begin_delete("existing")
    assert (az.guard.mutating, az.guard.blocked) == (0, 2)
    assert [g["name"] for g in arm.server.store.list_groups(azure_env.azure.subscription_id)] == ["existing"]


def test_every_mgmt_client_carries_the_guard(azure_env: Any) -> None:
    az = AzureClients(azure_env, dry_run=True)
    with pytest.raises(DryRunViolation):
        az.web.web_apps.begin_create_or_update("rg", "app", {"location": "eastus"})
    with pytest.raises(DryRunViolation):
        az.servicebus.namespaces.begin_create_or_update("rg", "bus", {"location": "eastus"})
    with pytest.raises(DryRunViolation):
        az.sql.servers.begin_create_or_update("rg", "sql", {"location": "eastus"})
    assert az.guard.mutating == 0 and az.guard.blocked == 3


def test_without_dry_run_mutations_are_sent_and_counted(azure_env: Any) -> None:
    az = AzureClients(azure_env)
    az.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    assert az.resources.resource_groups.check_existence("rg")
    assert az.guard.mutating == 1 and az.guard.blocked == 0


def test_blob_uses_azurite_and_is_guarded(azure_env: Any) -> None:
    name = f"c{uuid.uuid4().hex[:12]}"
    AzureClients(azure_env).blob.create_container(name)
    dry = AzureClients(azure_env, dry_run=True)
    assert name in [c.name for c in dry.blob.list_containers()]
    with pytest.raises(DryRunViolation):
        dry.blob.get_blob_client(name, "x.txt").upload_blob(b"data")
    with pytest.raises(DryRunViolation):
        dry.blob.create_container(f"{name}x")
    assert dry.guard.mutating == 0 and dry.guard.blocked == 2
    assert [b.name for b in dry.blob.get_container_client(name).list_blobs()] == []
    assert f"{name}x" not in [c.name for c in dry.blob.list_containers()]
