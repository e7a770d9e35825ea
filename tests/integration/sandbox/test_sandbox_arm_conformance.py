"""The sandbox ARM checks bodies against the published schemas, lists api-versions, answers long-running
operations as ARM's async contract says and throttles writes like ARM (local/arm/bodies.py, lro.py, throttle.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from multicloud_ctl import errors
from multicloud_ctl.local.arm.throttle import REMAINING_WRITES, WriteThrottle
from multicloud_ctl.local.jsonhttp import ServerHandle
from multicloud_ctl.providers.azure.clients import AzureClients
from multicloud_ctl.providers.azure.errors import azure_errors

pytestmark = pytest.mark.integration
SUB = "00000000-0000-0000-0000-000000000000"


def call(arm: ServerHandle, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    """One raw request to the fake ARM: (status, headers, JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{arm.url}{path}",
        data=data,
        method=method,
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            raw = resp.read()
            return resp.status, dict(resp.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, dict(err.headers), json.loads(raw) if raw else None


def rid(sub: str, provider_path: str, rg: str = "rg") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_path}"


@pytest.fixture
def group(arm: ServerHandle) -> str:
    status, _, _ = call(arm, "PUT", f"/subscriptions/{SUB}/resourcegroups/rg?api-version=2025-04-01", {"location": "x"})
    assert status == 201
    return f"/subscriptions/{SUB}/resourceGroups/rg"


# one planted bad body per type family mcctl writes: (parent to create first, resource, api-version, bad body)
STORAGE = "Microsoft.Storage/storageAccounts/mcctlsandbox"
SQL = "Microsoft.Sql/servers/mcctl-sql"
BUS = "Microsoft.ServiceBus/namespaces/mcctl-bus"
AFD = "Microsoft.Cdn/profiles/mcctl-afd"
ACCOUNT_BODY = {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
PARENT_BODIES = {STORAGE: ACCOUNT_BODY, SQL: {"location": "eastus"}, BUS: {"location": "eastus"}}
BAD_BODIES = [
    pytest.param(
        None,
        STORAGE,
        "2023-05-01",
        {
            "location": "eastus",
            "kind": "StorageV2",
            "sku": {"name": "Standard_GRS"},
            "properties": {"minimumTlsVersion": "1.2"},
        },
        "properties.minimumTlsVersion",
        id="storage account: Service Bus's TLS spelling",
    ),
    pytest.param(
        (STORAGE, "2023-05-01"),
        f"{STORAGE}/blobServices/default/containers/backups",
        "2023-05-01",
        {"properties": {"publicAccess": "Private"}},
        "properties.publicAccess",
        id="blob container: publicAccess outside its enum",
    ),
    pytest.param(
        None,
        SQL,
        "2021-11-01",
        {"location": "eastus", "properties": {"administrators": {"azureADOnlyAuthentication": "yes"}}},
        "properties.administrators.azureADOnlyAuthentication",
        id="sql server: a string for a boolean",
    ),
    pytest.param(
        (SQL, "2021-11-01"),
        f"{SQL}/firewallRules/ops",
        "2021-11-01",
        {"properties": {"startIpAddress": 10}},
        "properties.startIpAddress",
        id="sql firewall rule: a number for an address",
    ),
    pytest.param(
        None,
        BUS,
        "2024-01-01",
        {"location": "eastus", "sku": {"name": "Gold"}},
        "sku.name",
        id="service bus namespace: unknown sku",
    ),
    pytest.param(
        (BUS, "2024-01-01"),
        f"{BUS}/queues/orders",
        "2024-01-01",
        {"properties": {"maxDeliveryCount": "ten"}},
        "properties.maxDeliveryCount",
        id="service bus queue: a string for an integer",
    ),
    pytest.param(
        None,
        AFD,
        "2023-05-01",
        {"location": "global"},
        "(body)",
        id="front door profile: no sku",
    ),
    pytest.param(
        None,
        "Microsoft.Web/sites/orders-app",
        "2023-12-01",
        {"location": "eastus", "properties": {"httpsOnly": "true"}},
        "properties.httpsOnly",
        id="web site: a string for a boolean",
    ),
    pytest.param(
        None,
        "Microsoft.Web/serverfarms/plan",
        "2023-12-01",
        {"location": "eastus", "sku": {"name": "Y1", "capacity": "two"}},
        "sku.capacity",
        id="app service plan: a string for a capacity",
    ),
    pytest.param(
        None,
        "Microsoft.Insights/metricAlerts/errors",
        "2018-03-01",
        {
            "location": "global",
            "properties": {
                "severity": "high",
                "enabled": True,
                "scopes": [],
                "evaluationFrequency": "PT1M",
                "windowSize": "PT5M",
                "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": []},
            },
        },
        "properties.severity",
        id="metric alert: a word for a severity",
    ),
    pytest.param(
        None,
        "Microsoft.Network/virtualNetworks/vnet",
        "2023-09-01",
        {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": "10.0.0.0/16"}}},
        "properties.addressSpace.addressPrefixes",
        id="virtual network: a string for a list",
    ),
]


@pytest.mark.violations_expected
@pytest.mark.parametrize(("parent", "path", "api", "body", "where"), BAD_BODIES)
def test_a_body_that_breaks_the_published_schema_is_refused(
    arm: ServerHandle, group: str, parent: Any, path: str, api: str, body: dict[str, Any], where: str
) -> None:
    if parent is not None:
        made = call(arm, "PUT", f"{group}/providers/{parent[0]}?api-version={parent[1]}", PARENT_BODIES[parent[0]])
        assert made[0] < 300, made
    arm.server.conformance.clear()
    status, _, answer = call(arm, "PUT", f"{group}/providers/{path}?api-version={api}", body)
    assert status == 400, answer
    assert answer["error"]["code"] == "InvalidRequestContent"
    assert answer["error"]["message"].startswith("The request content was invalid and could not be deserialized")
    assert [d["target"] for d in answer["error"]["details"]] == [where]
    (entry,) = arm.server.conformance.entries()
    assert entry["operation"].endswith(f"@{api}") and entry["violations"] and entry["status"] == 400
    assert arm.server.store.get_resource(f"{group}/providers/{path}") is None


def test_the_same_bodies_made_right_are_taken_and_recorded_as_checked(arm: ServerHandle, group: str) -> None:
    body = {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_GRS"}}
    body["properties"] = {"minimumTlsVersion": "TLS1_2"}
    assert call(arm, "PUT", f"{group}/providers/{STORAGE}?api-version=2023-05-01", body)[0] == 202
    entry = arm.server.conformance.entries()[-1]
    assert (entry["operation"], entry["violations"]) == ("Microsoft.Storage/storageAccounts@2023-05-01", [])


@pytest.mark.violations_expected
def test_a_write_no_vendored_schema_covers_says_so(arm: ServerHandle, group: str) -> None:
    path = f"{group}/providers/Microsoft.Web/sites/app/config/appsettings?api-version=2025-05-01"
    call(arm, "PUT", f"{group}/providers/Microsoft.Web/sites/app?api-version=2025-05-01", {"location": "x"})
    assert call(arm, "PUT", path, {"properties": {"A": "1"}})[0] == 200
    assert arm.server.conformance.entries()[-1]["operation"] == "Microsoft.Web/sites/config@2025-05-01 (no schema)"
    # at a vendored version the same settings are checked: values must be strings
    bad = call(arm, "PUT", path.replace("2025-05-01", "2023-12-01"), {"properties": {"A": 1}})
    assert bad[0] == 400 and bad[2]["error"]["details"][0]["target"] == "properties.A"


@pytest.mark.violations_expected
def test_an_api_version_the_provider_does_not_publish_is_refused_with_the_supported_list(
    arm: ServerHandle, group: str
) -> None:
    status, _, answer = call(arm, "PUT", f"{group}/providers/{BUS}?api-version=2021-11-01", {"location": "eastus"})
    assert status == 400 and answer["error"]["code"] == "NoRegisteredProviderFound"
    assert answer["error"]["message"] == (
        "No registered resource provider found for API version '2021-11-01' for type 'namespaces'. "
        "The supported api-versions are '2024-01-01'."
    )
    assert call(arm, "GET", f"{group}/providers/{SQL}?api-version=2014-04-01")[0] == 400  # reads too


def test_storage_create_is_202_location_polled_through_creating_to_succeeded(arm: ServerHandle, group: str) -> None:
    body = {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    status, headers, answer = call(arm, "PUT", f"{group}/providers/{STORAGE}?api-version=2023-05-01", body)
    assert (status, answer) == (202, None)
    assert "Azure-AsyncOperation" not in headers and headers["Retry-After"] == "0"
    location = headers["Location"].split(arm.url, 1)[1]
    states = [arm.server.store.get_resource(f"{group}/providers/{STORAGE}")["properties"]["provisioningState"]]
    polls = []
    for _ in range(3):  # lro_polls = 2: two 202s, then 200 with the account
        polled = call(arm, "GET", location)
        polls.append(polled[0])
        states.append(arm.server.store.get_resource(f"{group}/providers/{STORAGE}")["properties"]["provisioningState"])
    assert polls == [202, 202, 200] and states == ["Accepted", "Creating", "Creating", "Succeeded"]
    # an update of an existing account is synchronous
    assert call(arm, "PUT", f"{group}/providers/{STORAGE}?api-version=2023-05-01", body)[0] == 200


def test_sql_create_and_delete_follow_the_azure_async_operation_contract(arm: ServerHandle, group: str) -> None:
    status, headers, _ = call(arm, "PUT", f"{group}/providers/{SQL}?api-version=2021-11-01", {"location": "eastus"})
    assert status == 202 and {"Azure-AsyncOperation", "Location", "Retry-After"} <= set(headers)
    op = headers["Azure-AsyncOperation"].split(arm.url, 1)[1]
    answers = [call(arm, "GET", op)[2] for _ in range(3)]
    assert [a["status"] for a in answers] == ["InProgress", "InProgress", "Succeeded"]
    assert answers[-1]["startTime"] and answers[-1]["endTime"] and "endTime" not in answers[0]
    item = f"{group}/providers/{SQL}?api-version=2021-11-01"
    assert call(arm, "GET", item)[2]["properties"]["provisioningState"] == "Succeeded"
    status, headers, _ = call(arm, "DELETE", item)
    assert status == 202 and headers["Location"]
    assert call(arm, "GET", item)[2]["properties"]["provisioningState"] == "Deleting"  # GET 1 of 2 polls
    assert call(arm, "GET", headers["Location"].split(arm.url, 1)[1])[0] == 202  # poll 2
    assert call(arm, "GET", headers["Location"].split(arm.url, 1)[1])[0] == 204  # done
    assert call(arm, "GET", item)[0] == 404


def test_resource_group_delete_is_202_location_then_gone(arm: ServerHandle, arm_env: Any) -> None:
    az = AzureClients(arm_env)
    az.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    az.resources.resource_groups.begin_delete("rg", polling=False)  # sent, not polled
    assert az.resources.resource_groups.get("rg").properties.provisioning_state == "Deleting"
    az.resources.resource_groups.begin_delete("rg").result()  # a second delete while deleting: polled to the end
    assert az.resources.resource_groups.check_existence("rg") is False


def test_the_sdk_honours_retry_after_on_429_and_succeeds(arm: ServerHandle, arm_env: Any) -> None:
    """A bucket of 2 writes refilled at 1/s: the third write is answered 429 Retry-After: 1 and retried once."""
    az = AzureClients(arm_env)
    arm.server.throttle = WriteThrottle(capacity=2, refill_per_s=1.0)
    for name in ("rg1", "rg2", "rg3"):
        az.resources.resource_groups.create_or_update(name, {"location": "eastus"})
    answers = [
        (e["path"].rsplit("/", 1)[1], e["status"]) for e in arm.server.conformance.entries() if e["method"] == "PUT"
    ]
    assert answers[-4:] == [("rg1", 201), ("rg2", 201), ("rg3", 429), ("rg3", 201)]  # one wait of Retry-After
    arm.server.throttle = WriteThrottle(capacity=0, refill_per_s=1.0)  # empty: the next token is 1 s away
    group = f"/subscriptions/{SUB}/resourcegroups/rg4?api-version=2025-04-01"
    status, headers, answer = call(arm, "PUT", group, {"location": "eastus"})
    assert status == 429 and headers["Retry-After"] == "1" and headers[REMAINING_WRITES] == "0"
    assert answer["error"]["code"] == "SubscriptionRequestsThrottled"


def test_an_exhausted_write_budget_is_one_error_with_a_hint(arm: ServerHandle, arm_env: Any) -> None:
    az = AzureClients(arm_env)
    arm.server.throttle = WriteThrottle(capacity=0, refill_per_s=0.0)
    with pytest.raises(errors.Throttled) as info, azure_errors("create resource group rg"):
        AzureClients(arm_env).resources.resource_groups.create_or_update("rg", {"location": "eastus"}, retry_total=1)
    assert "\n" not in info.value.message and info.value.hint and "throttl" in info.value.hint
    assert az.resources.resource_groups.check_existence("rg") is False
    with pytest.raises(HttpResponseError):
        az.resources.resource_groups.create_or_update("rg", {"location": "eastus"}, retry_total=0)
