"""ARM's asynchronous operations, as the resource providers mcctl uses really answer them.

The contract is ARM's "Asynchronous operations" reference
(https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/async-api-reference.md): a long-running
PUT answers 201 or 202 with an `Azure-AsyncOperation` header (poll it: `{"status": "InProgress"}` until
`Succeeded`), or 202 with a `Location` header (poll it: 202 until done, then 200 with the resource, or 204 for a
delete), both with `Retry-After`; meanwhile the resource's `properties.provisioningState` reads Accepted, then
Creating/Updating (Deleting for a delete), then Succeeded; a deleted resource is 404 once the operation is done.

Which headers and codes each type uses comes from its REST definition (Azure/azure-rest-api-specs, the
`x-ms-long-running-operation` operations and their responses) and what the RPs are seen to send:
- storage accounts: create 202 + Location, no body (Storage "StorageAccounts_Create", 200/202); PUT of an
  existing account and delete are synchronous;
- SQL servers, databases, failover groups: 202 + Azure-AsyncOperation + Location, for PUT and DELETE;
- Service Bus namespaces, Front Door (Microsoft.Cdn) profiles/endpoints/origin groups/origins/routes/security
  policies, Front Door WAF policies (Microsoft.Network, "Policies_CreateOrUpdate"), virtual networks, public
  IPs, virtual network gateways, local network gateways, connections, private endpoints and their DNS zone
  groups, private DNS zones and their virtual network links, Redis caches (Cache "Redis_Create": 200/201,
  long-running): 201 (200 on update) + Azure-AsyncOperation; delete 202 + Azure-AsyncOperation + Location;
- web sites: 202 + Location (Web "WebApps_CreateOrUpdate" answers 200/202, never 201); delete is synchronous;
- everything else is synchronous: 201 on create (200 for Service Bus entities, web, insights: their specs
  list no 201) and 200 on replace; DELETE 200, or 204 when nothing was there.
The fake keeps the azure-mgmt SDKs' accepted codes in view: `begin_*` generic by-id methods take 200/201/202.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.store import ArmStore
from multicloud_ctl.local.jsonhttp import Response

OPS = "providers/microsoft.resources"
OPS_API = "2021-04-01"

_SQL = ("microsoft.sql/servers", "microsoft.sql/servers/databases", "microsoft.sql/servers/failovergroups")
_AZURE_ASYNC_201 = (
    "microsoft.servicebus/namespaces",
    "microsoft.cdn/profiles",
    "microsoft.cdn/profiles/afdendpoints",
    "microsoft.cdn/profiles/afdendpoints/routes",
    "microsoft.cdn/profiles/origingroups",
    "microsoft.cdn/profiles/origingroups/origins",
    "microsoft.cdn/profiles/securitypolicies",
    "microsoft.network/frontdoorwebapplicationfirewallpolicies",
    "microsoft.network/virtualnetworks",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/connections",
    "microsoft.cache/redis",
    "microsoft.network/privateendpoints",
    "microsoft.network/privateendpoints/privatednszonegroups",
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
)
# type -> (create status, update status or None when an update is synchronous, headers: "async"/"location"/"both")
ASYNC_PUT: dict[str, tuple[int, int | None, str]] = {
    "microsoft.storage/storageaccounts": (202, None, "location"),
    "microsoft.web/sites": (202, 202, "location"),
    "microsoft.web/sites/slots": (202, 202, "location"),
    **{t: (202, 202, "both") for t in _SQL},
    **{t: (201, 200, "async") for t in _AZURE_ASYNC_201},
}
ASYNC_DELETE = {*_SQL, *_AZURE_ASYNC_201}
SYNC_CREATE_200 = ("microsoft.servicebus/", "microsoft.web/", "microsoft.insights/")


def _headers(store: ArmStore, base: str, sub: str, op_id: str, style: str) -> dict[str, str]:
    headers = {"Retry-After": str(store.retry_after)}
    root = f"{base}/subscriptions/{sub}/{OPS}"
    if style in ("async", "both"):
        headers["Azure-AsyncOperation"] = f"{root}/operationStatuses/{op_id}?api-version={OPS_API}"
    if style in ("location", "both"):
        headers["Location"] = f"{root}/operationResults/{op_id}?api-version={OPS_API}"
    return headers


def put_answer(
    store: ArmStore, base: str, sub: str, resource: dict[str, Any], created: bool, polls_factor: int = 1
) -> Response:
    """The answer to a PUT that stored `resource`: synchronous, or an operation the client must poll
    (`polls_factor` times the store's polls: a type that takes Azure much longer, a VPN gateway)."""
    rtype = str(resource["type"]).lower()
    plan = ASYNC_PUT.get(rtype)
    if plan is None or (not created and plan[1] is None):
        if not created:
            return Response(200, resource)
        return Response(200 if rtype.startswith(SYNC_CREATE_200) else 201, resource)
    op = store.new_operation(resource["id"], "create" if created else "update", polls=store.lro_polls * polls_factor)
    status = plan[0] if created else int(plan[1] or 200)
    body = store.get_resource(resource["id"]) if status != 202 else None
    return Response(status, body, _headers(store, base, sub, op.op_id, plan[2]))


def delete_answer(store: ArmStore, base: str, sub: str, rid: str, rtype: str) -> Response:
    """The answer to a DELETE of an existing resource (`rtype` = its ARM type, or resourceGroups)."""
    low = rtype.lower()
    if low == "microsoft.resources/resourcegroups" or low in ASYNC_DELETE:
        op = store.new_operation(rid, "delete")
        return Response(
            202, None, _headers(store, base, sub, op.op_id, "location" if "resourcegroups" in low else "both")
        )
    store.delete_resource(rid)
    return Response(200)


def poll(store: ArmStore, sub: str, kind: str, op_id: str) -> Response | None:
    """`GET .../operationStatuses/{id}` (kind "operationstatuses") or `.../operationResults/{id}`; None = unknown."""
    op = store.poll_operation(op_id)
    if op is None:
        return None
    if kind == "operationresults":
        if op.status == "InProgress":
            return Response(202, None, {"Retry-After": str(store.retry_after)})
        if op.kind == "delete":
            return Response(204)
        found = store.get_resource(op.resource_id)
        return Response(200, found) if found else Response(204)
    return Response(
        200,
        {
            "id": f"/subscriptions/{sub}/{OPS}/operationStatuses/{op.op_id}",
            "name": op.op_id,
            "status": op.status,
            "startTime": op.started,
            **({"endTime": op.ended} if op.ended else {}),
        },
    )
