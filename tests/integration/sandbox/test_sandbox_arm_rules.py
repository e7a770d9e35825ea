"""The sandbox ARM refuses what ARM refuses (local/arm/rules.py), through the real azure-mgmt-resource SDK."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from multicloud_ctl.providers.azure.clients import AzureClients

pytestmark = [pytest.mark.integration, pytest.mark.violations_expected]  # every test here is refused on purpose


def put(az: Any, rid: str, api: str = "2023-05-01", body: dict[str, Any] | None = None) -> Any:
    return az.resources.resources.begin_create_or_update_by_id(rid, body or {"location": "eastus"}, api_version=api)


def refused(az: Any, rid: str, api: str = "2023-05-01") -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as err:
        put(az, rid, api).result()
    return err.value.status_code, str(err.value.error.code if err.value.error else "")


def test_bad_api_versions_providers_names_and_orphans_are_refused(arm_env: Any) -> None:
    az = AzureClients(arm_env)
    az.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    base = f"/subscriptions/{arm_env.azure.subscription_id}/resourceGroups/rg/providers"
    account = f"{base}/Microsoft.Storage/storageAccounts/mcctlsandbox"
    assert refused(az, account, "latest") == (400, "InvalidApiVersionParameter")
    assert refused(az, account, "2999-01-01") == (400, "NoRegisteredProviderFound")
    assert refused(az, f"{base}/Microsoft.Bogus/things/x") == (400, "InvalidResourceNamespace")
    assert refused(az, f"{base}/Microsoft.Storage/storageAccounts/Has_Upper") == (400, "AccountNameInvalid")
    assert refused(az, f"{base}/Microsoft.ServiceBus/namespaces/bus", "2024-01-01") == (400, "InvalidResourceName")
    assert refused(az, f"{base}/Microsoft.Sql/servers/-sql", "2021-11-01") == (400, "InvalidResourceName")
    orphan = f"{base}/Microsoft.ServiceBus/namespaces/mcctl-bus/queues/orders"
    assert refused(az, orphan, "2024-01-01") == (404, "ParentResourceNotFound")
    # what is right passes, singleton sub-resources exist with their parent
    put(az, account).result()
    put(az, f"{account}/blobServices/default/containers/backups", body={"properties": {}}).result()
    put(az, f"{base}/Microsoft.ServiceBus/namespaces/mcctl-bus", "2024-01-01").result()
    put(az, orphan, "2024-01-01", {"properties": {}}).result()
    assert az.resources.resources.get_by_id(orphan, api_version="2024-01-01").name == "orders"
