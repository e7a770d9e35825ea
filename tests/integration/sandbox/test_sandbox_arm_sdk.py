"""The fake ARM against the real azure-mgmt SDKs: resource groups, generic resources, LRO pollers, errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from multicloud_ctl import errors
from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.faults import arm_fault
from multicloud_ctl.local.jsonhttp import Response, ServerHandle
from multicloud_ctl.providers.azure.clients import AzureClients
from multicloud_ctl.providers.azure.errors import azure_errors

pytestmark = pytest.mark.integration
API = "2023-12-01"  # Microsoft.Web/sites: a version the fake lists (schemas/api-versions.json)


def site_id(env: Any, rg: str, name: str) -> str:
    return f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}"


def test_resource_group_lifecycle(arm_env: Any) -> None:
    rc = AzureClients(arm_env).resources
    created = rc.resource_groups.create_or_update("mcctl-local", {"location": "eastus", "tags": {"env": "local"}})
    assert (created.name, created.location, created.tags) == ("mcctl-local", "eastus", {"env": "local"})
    assert created.properties.provisioning_state == "Succeeded"
    assert rc.resource_groups.check_existence("MCCTL-LOCAL") is True  # ARM matches names case-insensitively
    assert rc.resource_groups.check_existence("other") is False
    rc.resource_groups.update("mcctl-local", {"tags": {"env": "local", "owner": "me"}})
    assert rc.resource_groups.get("mcctl-local").tags == {"env": "local", "owner": "me"}
    assert [g.name for g in rc.resource_groups.list()] == ["mcctl-local"]
    rc.resource_groups.begin_delete("mcctl-local").result()
    assert list(rc.resource_groups.list()) == []


def test_generic_resource_lro_create_get_list_delete(arm_env: Any) -> None:
    az = AzureClients(arm_env)
    az.resources.resource_groups.create_or_update("rg", {"location": "westus"})
    rid = site_id(arm_env, "rg", "payment-processor")
    poller = az.resources.resources.begin_create_or_update_by_id(
        rid,
        {"location": "westus", "kind": "functionapp", "tags": {"t": "1"}, "properties": {"httpsOnly": True}},
        api_version=API,
    )
    res = poller.result()
    assert poller.status() == "Succeeded"
    assert (res.id, res.kind, res.tags) == (rid, "functionapp", {"t": "1"})
    assert {k: v for k, v in res.properties.items() if k != "siteConfig"} == {
        "httpsOnly": True,
        "provisioningState": "Succeeded",
    }
    assert set(res.properties["siteConfig"].values()) == {None}  # as App Service answers (local/arm/webapps.py)
    # the typed Web SDK reads the same resource
    site = az.web.web_apps.get("rg", "payment-processor")
    assert (site.name, site.kind, site.location) == ("payment-processor", "functionapp", "westus")
    assert [s.name for s in az.web.web_apps.list_by_resource_group("rg")] == ["payment-processor"]
    listed = list(az.resources.resources.list_by_resource_group("rg", filter="resourceType eq 'Microsoft.Web/sites'"))
    assert [r.id for r in listed] == [rid]
    assert list(az.resources.resources.list(filter="tagName eq 't' and tagValue eq 'nope'")) == []
    assert az.resources.resources.check_existence_by_id(rid, api_version=API) is True
    az.resources.resources.begin_delete_by_id(rid, api_version=API).result()
    assert az.resources.resources.check_existence_by_id(rid, api_version=API) is False


def test_deleting_a_group_deletes_its_resources(arm_env: Any) -> None:
    rc = AzureClients(arm_env).resources
    rc.resource_groups.create_or_update("rg", {"location": "eastus"})
    rc.resources.begin_create_or_update_by_id(
        site_id(arm_env, "rg", "app-a"), {"location": "eastus"}, api_version=API
    ).result()
    rc.resource_groups.begin_delete("rg").result()
    rc.resource_groups.create_or_update("rg", {"location": "eastus"})
    assert list(rc.resources.list_by_resource_group("rg")) == []


def test_not_found_is_mapped_with_the_request_id(arm_env: Any) -> None:
    az = AzureClients(arm_env)
    with pytest.raises(errors.NotFound) as info, azure_errors("get resource group"):
        az.resources.resource_groups.get("missing")
    assert info.value.request_id and "ResourceGroupNotFound" in info.value.message
    az.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    with pytest.raises(errors.NotFound, match="ResourceNotFound"), azure_errors("get site"):
        az.web.web_apps.get("rg", "nope")


def test_a_resource_in_a_missing_group_is_refused(arm_env: Any) -> None:
    az = AzureClients(arm_env)
    with pytest.raises(errors.NotFound, match="ResourceGroupNotFound"), azure_errors("create site"):
        az.resources.resources.begin_create_or_update_by_id(
            site_id(arm_env, "nogroup", "app-a"), {"location": "x"}, api_version=API
        ).result()


def test_errors_use_the_arm_envelope_and_carry_a_request_id(arm: ServerHandle) -> None:
    req = urllib.request.Request(
        f"{arm.url}/subscriptions/s/resourcegroups/nope?api-version=1", headers={"Authorization": "Bearer x"}
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 404 and info.value.headers["x-ms-request-id"]
    assert json.loads(info.value.read())["error"]["code"] == "ResourceGroupNotFound"
    with pytest.raises(urllib.error.HTTPError) as noauth:
        urllib.request.urlopen(f"{arm.url}/subscriptions/s/resourcegroups?api-version=1", timeout=5)
    assert noauth.value.code == 401


def test_injected_5xx_is_retried_by_the_sdk_and_429_storm_maps_to_throttled(arm: ServerHandle, arm_env: Any) -> None:
    az = AzureClients(arm_env)
    arm_fault(arm.url, r"/resourcegroups$", status=503, count=2, method="GET")
    assert list(az.resources.resource_groups.list()) == []  # two 503s, then success
    assert arm.server.faults.describe() == []
    arm_fault(arm.url, r"/resourcegroups$", status=429, count=50, method="GET", retry_after=0)
    with pytest.raises(errors.Throttled), azure_errors("list groups"):
        list(az.resources.resource_groups.list())


def test_unreachable_endpoint_maps_to_endpoint_unreachable(arm_env: Any) -> None:
    from multicloud_ctl.local.processes import free_port

    env = arm_env.model_copy(
        update={"azure": arm_env.azure.model_copy(update={"arm_endpoint": f"http://127.0.0.1:{free_port()}"})}
    )
    with pytest.raises(errors.EndpointUnreachable), azure_errors("list groups"):
        list(AzureClients(env).resources.resource_groups.list())


def test_action_plugins_extend_the_server_without_editing_it(arm: ServerHandle) -> None:
    @action("POST", r"/subscriptions/[^/]+/providers/Microsoft\.Test/echo")
    def echo(ctx: ActionContext) -> Response:
        return Response(200, {"echo": ctx.request.body, "sub": ctx.match.string.split("/")[2]})

    req = urllib.request.Request(
        f"{arm.url}/subscriptions/s1/providers/Microsoft.Test/echo?api-version=1",
        method="POST",
        data=b'{"a": 1}',
        headers={"Authorization": "Bearer x", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read()) == {"echo": {"a": 1}, "sub": "s1"}


def test_typed_sdks_sync_and_lro_methods_all_accept_the_answers(arm: ServerHandle, arm_env: Any) -> None:
    """Every generated method accepts the answers: web LRO create [200, 202], sync delete [200, 204]."""
    az = AzureClients(arm_env)
    az.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    site = az.web.web_apps.begin_create_or_update("rg", "orders", {"location": "eastus", "kind": "functionapp"})
    assert site.result().name == "orders"
    polled = [op for op in arm.server.store.operations.values() if op.resource_id.endswith("/sites/orders")]
    assert len(polled) == 1 and polled[0].polls_left == 0  # the poller really polled the operation endpoint
    az.servicebus.namespaces.begin_create_or_update("rg", "mcctl-bus", {"location": "eastus"}).result()
    from azure.mgmt.servicebus.models import SBQueue

    queue = az.servicebus.queues.create_or_update("rg", "mcctl-bus", "orders", SBQueue(max_delivery_count=5))
    assert queue.name == "orders" and queue.max_delivery_count == 5
    assert [q.name for q in az.servicebus.queues.list_by_namespace("rg", "mcctl-bus")] == ["orders"]
    az.web.web_apps.delete("rg", "orders")
    assert [s.name for s in az.web.web_apps.list_by_resource_group("rg")] == []
