"""Fake ARM behaviour of private endpoints (Microsoft.Network): what the Network RP adds and refuses.

Bodies are schema-checked first (`bodies.py`: Microsoft.Network.NRP.json 2023-09-01 for privateEndpoints and
their privateDnsZoneGroups; the zones themselves are `privatedns.py`'s); then, as the RP does:
- privateEndpoints: the subnet must exist in its VNet, in the endpoint's location, and not be the GatewaySubnet
  (which takes gateways only); exactly one private link service connection (automatic or manual); its
  `privateLinkServiceId` must exist and its one `groupIds` entry must be a sub-resource of that type ("What is a
  private endpoint?", Private-link resource table, Microsoft Learn: `sqlServer`, `blob`/`file`/`queue`/...,
  `namespace`, `vault`); a Service Bus namespace must be Premium (Standard and Basic have no private link,
  Azure/azure-service-bus#474). The endpoint answers what the RP adds: the connection's `id`, `type` and
  `privateLinkServiceConnectionState` (Approved, "Auto-Approved": mcctl owns both sides), `networkInterfaces`
  (the `customNetworkInterfaceName`, or a generated one, kept across PUTs), `customDnsConfigs` (the target's
  FQDN and the endpoint's address, the subnet's next free one after the four Azure reserves, kept across PUTs)
  and empty `ipConfigurations` / `manualPrivateLinkServiceConnections`.
- privateEndpoints/privateDnsZoneGroups: each `privateDnsZoneId` must exist; and, stricter than Azure (which
  would accept any zone and leave the name unresolvable), the zone must be the documented privatelink zone of
  the endpoint's group ("Azure Private Endpoint private DNS zone values"). Each zone config answers its
  `recordSets` (the A record the group writes: target name, the endpoint's address, TTL 10).
- virtualNetworks: a PUT that drops a subnet private endpoints sit in, or a DELETE of a VNet that still has
  them, is refused with `InUseSubnetCannotBeDeleted` (the endpoints go first).
Only InvalidResourceReference and InUseSubnetCannotBeDeleted are codes seen from Azure; the others are the
nearest names we know, their messages say what the RP requires.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

RG = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.network/"
PE = "Microsoft.Network/privateEndpoints"
ZONE_GROUP = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
ZONE = "Microsoft.Network/privateDnsZones"

# target type (lower case) -> group ids it offers ("What is a private endpoint?", Private-link resource table)
GROUP_IDS: dict[str, set[str]] = {
    "microsoft.sql/servers": {"sqlServer"},
    "microsoft.storage/storageaccounts": {
        f"{g}{s}" for g in ("blob", "table", "queue", "web", "dfs") for s in ("", "_secondary")
    }
    | {"file"},
    "microsoft.servicebus/namespaces": {"namespace"},
    "microsoft.keyvault/vaults": {"vault"},
}
# group id -> (privatelink zone, the public FQDN's suffix): "Azure Private Endpoint private DNS zone values"
ZONES: dict[str, tuple[str, str]] = {
    "sqlServer": ("privatelink.database.windows.net", "database.windows.net"),
    "blob": ("privatelink.blob.core.windows.net", "blob.core.windows.net"),
    "blob_secondary": ("privatelink.blob.core.windows.net", "blob.core.windows.net"),
    "file": ("privatelink.file.core.windows.net", "file.core.windows.net"),
    "queue": ("privatelink.queue.core.windows.net", "queue.core.windows.net"),
    "table": ("privatelink.table.core.windows.net", "table.core.windows.net"),
    "dfs": ("privatelink.dfs.core.windows.net", "dfs.core.windows.net"),
    "web": ("privatelink.web.core.windows.net", "web.core.windows.net"),
    "namespace": ("privatelink.servicebus.windows.net", "servicebus.windows.net"),
    "vault": ("privatelink.vaultcore.azure.net", "vault.azure.net"),
}
RESERVED_HOSTS = 4  # Azure keeps the first four addresses of every subnet (and the last)


def bad(code: str, message: str, status: int = 400) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def missing(ref: str, rid: str) -> Response:
    """ARM's answer to a body naming a resource that does not exist."""
    return bad("InvalidResourceReference", f"Resource {ref or '(none)'} referenced by resource {rid} was not found.")


def network_id(ctx: ActionContext, tail: str) -> str:
    m = ctx.match
    return f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/Microsoft.Network/{tail}"


def admitted(ctx: ActionContext, rid: str) -> Response | None:
    """ARM's refusal when the group, the rules or the schema refuse the PUT of `rid`, else None."""
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    prov = rid.split("/providers/", 1)[1].split("/")
    return check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)


def store_put(ctx: ActionContext, rid: str, rtype: str, body: dict[str, Any]) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer

    resource, created = ctx.store.put_resource(rid, rtype, body)
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], resource, created)


def _subnet(ctx: ActionContext, subnet_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the VNet, the subnet's entry in it) of a subnet id; None where missing."""
    if "/subnets/" not in subnet_id:
        return None, None
    vnet_id, _, name = subnet_id.rpartition("/subnets/")
    vnet = ctx.store.get_resource(vnet_id)
    subnets = ((vnet or {}).get("properties") or {}).get("subnets") or []
    return vnet, next((s for s in subnets if str(s.get("name", "")).lower() == name.lower()), None)


def _endpoint_refusal(ctx: ActionContext, rid: str, body: dict[str, Any]) -> Response | None:
    props = body.get("properties") or {}
    subnet_id = str((props.get("subnet") or {}).get("id") or "")
    vnet, subnet = _subnet(ctx, subnet_id)
    if vnet is None or subnet is None:
        return missing(subnet_id, rid)
    if str(subnet.get("name")).lower() == "gatewaysubnet":
        return bad("InvalidRequestFormat", f"Private endpoint {rid} cannot be created in the GatewaySubnet.")
    if str(vnet.get("location", "")).lower() != str(body.get("location", "")).lower():
        return bad(
            "InvalidRequestFormat",
            f"Private endpoint {rid} in location '{body.get('location')}' and its subnet {subnet_id} in "
            f"'{vnet.get('location')}' must be in the same location.",
        )
    auto, manual = (
        props.get("privateLinkServiceConnections") or [],
        props.get("manualPrivateLinkServiceConnections") or [],
    )
    if len(auto) + len(manual) != 1:
        return bad(
            "InvalidRequestFormat",
            f"Private endpoint {rid} must have exactly one private link service connection (automatic or manual).",
        )
    conn = (auto or manual)[0].get("properties") or {}
    target_id = str(conn.get("privateLinkServiceId") or "")
    target = ctx.store.get_resource(target_id) if target_id else None
    if target is None:
        return missing(target_id, rid)
    offered = GROUP_IDS.get(str(target["type"]).lower())
    groups = list(conn.get("groupIds") or [])
    if offered is None:
        return bad("InvalidRequestFormat", f"Resource type {target['type']} offers no private link.")
    if len(groups) != 1 or groups[0] not in offered:
        return bad(
            "InvalidRequestFormat",
            f"Group id(s) {groups} of private endpoint {rid} are not valid for {target['type']}: one of "
            f"{sorted(offered)}.",
        )
    if str(target["type"]).lower() == "microsoft.servicebus/namespaces":
        tier = str((target.get("sku") or {}).get("name") or "")
        if tier != "Premium":
            return bad(
                "InvalidRequestFormat",
                f"Service Bus namespace {target['name']} is {tier or 'Standard'}: private endpoints need a "
                "Premium namespace.",
            )
    return None


def _address(ctx: ActionContext, rid: str, subnet_id: str, prefix: str) -> str:
    """The endpoint's private address: the one it has, or the subnet's next free one after the reserved four."""
    existing = ctx.store.get_resource(rid) or {}
    for config in (existing.get("properties") or {}).get("customDnsConfigs") or []:
        if config.get("ipAddresses"):
            return str(config["ipAddresses"][0])
    taken = set()
    for other in ctx.store.list_resources(rid.split("/providers/", 1)[0], PE):
        oprops = other.get("properties") or {}
        if str((oprops.get("subnet") or {}).get("id", "")).lower() == subnet_id.lower():
            taken |= {a for c in oprops.get("customDnsConfigs") or [] for a in c.get("ipAddresses") or []}
    hosts = list(ipaddress.ip_network(prefix))[RESERVED_HOSTS:-1]
    return str(next(h for h in hosts if str(h) not in taken))


@action("PUT", RG + r"privateendpoints/(?P<name>[^/]+)")
def put_private_endpoint(ctx: ActionContext) -> Response:
    rid = network_id(ctx, f"privateEndpoints/{ctx.match['name']}")
    body = dict(ctx.request.body or {})
    refused = admitted(ctx, rid) or _endpoint_refusal(ctx, rid, body)
    if refused is not None:
        return refused
    props = dict(body.get("properties") or {})
    subnet_id = str(props["subnet"]["id"])
    _, subnet = _subnet(ctx, subnet_id)
    address = _address(ctx, rid, subnet_id, str(((subnet or {}).get("properties") or {}).get("addressPrefix")))
    kept = ((ctx.store.get_resource(rid) or {}).get("properties") or {}).get("networkInterfaces") or []
    generated = f"{ctx.match['name']}.nic.{hashlib.sha256(rid.lower().encode()).hexdigest()[:8]}"
    nic = str(props.get("customNetworkInterfaceName") or generated)
    interfaces = kept or [{"id": network_id(ctx, f"networkInterfaces/{nic}")}]
    manual = bool(props.get("manualPrivateLinkServiceConnections"))
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    conns: list[dict[str, Any]] = []
    for conn in props[key]:
        cprops = dict(conn.get("properties") or {})
        cprops["privateLinkServiceConnectionState"] = (
            {"status": "Pending", "description": cprops.get("requestMessage", ""), "actionsRequired": "None"}
            if manual
            else {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}
        )
        cprops["provisioningState"] = "Succeeded"
        name = str(conn.get("name") or ctx.match["name"])
        conns.append({"name": name, "id": f"{rid}/{key}/{name}", "type": f"{PE}/{key}", "properties": cprops})
    target = ctx.store.get_resource(str(conns[0]["properties"]["privateLinkServiceId"])) or {}
    group = str(conns[0]["properties"]["groupIds"][0])
    suffix = ZONES.get(group, ("", f"{group}.core.windows.net"))[1]
    props.update(
        {
            key: conns,
            "manualPrivateLinkServiceConnections" if not manual else "privateLinkServiceConnections": [],
            "networkInterfaces": interfaces,
            "customDnsConfigs": [{"fqdn": f"{target.get('name')}.{suffix}", "ipAddresses": [address]}],
            "ipConfigurations": props.get("ipConfigurations") or [],
        }
    )
    return store_put(ctx, rid, PE, {**body, "properties": props})


@action("PUT", RG + r"privateendpoints/(?P<pe>[^/]+)/privatednszonegroups/(?P<name>[^/]+)")
def put_zone_group(ctx: ActionContext) -> Response:
    pe_id = network_id(ctx, f"privateEndpoints/{ctx.match['pe']}")
    rid = f"{pe_id}/privateDnsZoneGroups/{ctx.match['name']}"
    refused = admitted(ctx, rid)
    if refused is not None:
        return refused
    endpoint = ctx.store.get_resource(pe_id) or {}
    eprops = endpoint.get("properties") or {}
    conns = eprops.get("privateLinkServiceConnections") or eprops.get("manualPrivateLinkServiceConnections") or []
    group = str(((conns[0].get("properties") or {}).get("groupIds") or [""])[0]) if conns else ""
    target = str(((conns[0].get("properties") or {}).get("privateLinkServiceId")) or "") if conns else ""
    address = next((a for c in eprops.get("customDnsConfigs") or [] for a in c.get("ipAddresses") or []), "")
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    configs = []
    for config in props.get("privateDnsZoneConfigs") or []:
        zone_id = str((config.get("properties") or {}).get("privateDnsZoneId") or "")
        zone = ctx.store.get_resource(zone_id) if zone_id else None
        if zone is None or str(zone["type"]).lower() != ZONE.lower():
            return missing(zone_id, rid)
        wanted = ZONES.get(group, ("",))[0]
        if str(zone["name"]).lower() != wanted:
            return bad(
                "InvalidRequestFormat",
                f"Private DNS zone {zone['name']} is not the zone of group id '{group}' of {pe_id}: "
                f"{wanted or '(none)'}.",
            )
        record = target.rsplit("/", 1)[-1]
        record_set = {
            "recordType": "A",
            "recordSetName": record,
            "fqdn": f"{record}.{zone['name']}",
            "ttl": 10,
            "ipAddresses": [address],
            "provisioningState": "Succeeded",
        }
        cprops = {**(config.get("properties") or {}), "recordSets": [record_set]}
        configs.append({**config, "properties": cprops})
    props["privateDnsZoneConfigs"] = configs
    return store_put(ctx, rid, ZONE_GROUP, {**body, "properties": props})


def _endpoints_in(ctx: ActionContext, vnet_id: str) -> dict[str, list[str]]:
    """Subnet name (lower case) -> ids of the private endpoints in it, for one VNet."""
    out: dict[str, list[str]] = {}
    sub = vnet_id.split("/resourceGroups/", 1)[0]
    for endpoint in ctx.store.list_resources(sub, PE):
        subnet_id = str(((endpoint.get("properties") or {}).get("subnet") or {}).get("id") or "")
        parent, _, name = subnet_id.rpartition("/subnets/")
        if parent.lower() == vnet_id.lower():
            out.setdefault(name.lower(), []).append(str(endpoint["id"]))
    return out


def _in_use(subnet: str, users: list[str]) -> Response:
    return bad(
        "InUseSubnetCannotBeDeleted",
        f"Subnet {subnet} is in use by {users[0]} and cannot be deleted. In order to delete the subnet, delete all "
        "the resources within the subnet.",
    )


@action("PUT", RG + r"virtualnetworks/(?P<name>[^/]+)")
def put_vnet(ctx: ActionContext) -> Response:
    """A VNet PUT replaces its subnet list: one that drops a subnet private endpoints sit in is refused."""
    rid = network_id(ctx, f"virtualNetworks/{ctx.match['name']}")
    refused = admitted(ctx, rid)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    kept = {str(s.get("name", "")).lower() for s in (body.get("properties") or {}).get("subnets") or []}
    for subnet, users in _endpoints_in(ctx, rid).items():
        if subnet not in kept:
            return _in_use(subnet, users)
    return store_put(ctx, rid, "Microsoft.Network/virtualNetworks", body)


@action("DELETE", RG + r"virtualnetworks/(?P<name>[^/]+)")
def delete_vnet(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    rid = network_id(ctx, f"virtualNetworks/{ctx.match['name']}")
    vnet = ctx.store.get_resource(rid)
    if vnet is None:
        return Response(204)
    in_use = _endpoints_in(ctx, rid)
    if in_use:
        return _in_use(*next(iter(in_use.items())))
    return delete_answer(ctx.store, ctx.base_url, ctx.match["sub"], vnet["id"], "Microsoft.Network/virtualNetworks")
