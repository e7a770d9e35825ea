"""Fake ARM behaviour of private endpoints and private DNS zones (Microsoft.Network): what the RPs add and refuse.

Bodies are schema-checked first (`bodies.py`: Microsoft.Network.NRP.json 2023-09-01 for privateEndpoints and
their privateDnsZoneGroups, Microsoft.Network.privateDns.json 2024-06-01 for privateDnsZones and their
virtualNetworkLinks); then, as the services do:
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
- privateDnsZones: location `global` only (ARM's `LocationNotAvailableForResourceType` otherwise), a name of two
  or more DNS labels; a GET answers the live counts of record sets and virtual network links with the limits
  (25,000 record sets, 1,000 links, 100 registration links). A DELETE of a zone that still has virtual network
  links is 409 (azure-cli#15010, Azure/ResourceModules#823: links go first).
- privateDnsZones/virtualNetworkLinks: location `global`; the virtual network must exist; a zone links a VNet
  once (409 under another link name); the link answers `virtualNetworkLinkState: Completed`.
- virtualNetworks: a PUT that drops a subnet private endpoints sit in, or a DELETE of a VNet that still has
  them, is refused with `InUseSubnetCannotBeDeleted` (the endpoints go first).
Only LocationNotAvailableForResourceType, InvalidResourceReference, InUseSubnetCannotBeDeleted and the 409s are
codes seen from Azure; the others are the nearest names we know, their messages say what the RP requires.
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
LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"

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


def _bad(code: str, message: str, status: int = 400) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _missing(ref: str, rid: str) -> Response:
    return _bad("InvalidResourceReference", f"Resource {ref or '(none)'} referenced by resource {rid} was not found.")


def _rid(ctx: ActionContext, tail: str) -> str:
    m = ctx.match
    return f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/Microsoft.Network/{tail}"


def _admitted(ctx: ActionContext, rid: str) -> Response | None:
    """ARM's refusal when the group, the rules or the schema refuse the PUT of `rid`, else None."""
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    prov = rid.split("/providers/", 1)[1].split("/")
    return check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)


def _store(ctx: ActionContext, rid: str, rtype: str, body: dict[str, Any]) -> Response:
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
        return _bad(
            "InvalidResourceReference", f"Resource {subnet_id or '(none)'} referenced by resource {rid} was not found."
        )
    if str(subnet.get("name")).lower() == "gatewaysubnet":
        return _bad("InvalidRequestFormat", f"Private endpoint {rid} cannot be created in the GatewaySubnet.")
    if str(vnet.get("location", "")).lower() != str(body.get("location", "")).lower():
        return _bad(
            "InvalidRequestFormat",
            f"Private endpoint {rid} in location '{body.get('location')}' and its subnet {subnet_id} in "
            f"'{vnet.get('location')}' must be in the same location.",
        )
    auto, manual = (
        props.get("privateLinkServiceConnections") or [],
        props.get("manualPrivateLinkServiceConnections") or [],
    )
    if len(auto) + len(manual) != 1:
        return _bad(
            "InvalidRequestFormat",
            f"Private endpoint {rid} must have exactly one private link service connection (automatic or manual).",
        )
    conn = (auto or manual)[0].get("properties") or {}
    target_id = str(conn.get("privateLinkServiceId") or "")
    target = ctx.store.get_resource(target_id) if target_id else None
    if target is None:
        return _bad(
            "InvalidResourceReference", f"Resource {target_id or '(none)'} referenced by resource {rid} was not found."
        )
    offered = GROUP_IDS.get(str(target["type"]).lower())
    groups = list(conn.get("groupIds") or [])
    if offered is None:
        return _bad("InvalidRequestFormat", f"Resource type {target['type']} offers no private link.")
    if len(groups) != 1 or groups[0] not in offered:
        return _bad(
            "InvalidRequestFormat",
            f"Group id(s) {groups} of private endpoint {rid} are not valid for {target['type']}: one of "
            f"{sorted(offered)}.",
        )
    if str(target["type"]).lower() == "microsoft.servicebus/namespaces":
        tier = str((target.get("sku") or {}).get("name") or "")
        if tier != "Premium":
            return _bad(
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
    rid = _rid(ctx, f"privateEndpoints/{ctx.match['name']}")
    body = dict(ctx.request.body or {})
    refused = _admitted(ctx, rid) or _endpoint_refusal(ctx, rid, body)
    if refused is not None:
        return refused
    props = dict(body.get("properties") or {})
    subnet_id = str(props["subnet"]["id"])
    _, subnet = _subnet(ctx, subnet_id)
    address = _address(ctx, rid, subnet_id, str(((subnet or {}).get("properties") or {}).get("addressPrefix")))
    kept = ((ctx.store.get_resource(rid) or {}).get("properties") or {}).get("networkInterfaces") or []
    generated = f"{ctx.match['name']}.nic.{hashlib.sha256(rid.lower().encode()).hexdigest()[:8]}"
    nic = str(props.get("customNetworkInterfaceName") or generated)
    interfaces = kept or [{"id": _rid(ctx, f"networkInterfaces/{nic}")}]
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
    return _store(ctx, rid, PE, {**body, "properties": props})


@action("PUT", RG + r"privateendpoints/(?P<pe>[^/]+)/privatednszonegroups/(?P<name>[^/]+)")
def put_zone_group(ctx: ActionContext) -> Response:
    pe_id = _rid(ctx, f"privateEndpoints/{ctx.match['pe']}")
    rid = f"{pe_id}/privateDnsZoneGroups/{ctx.match['name']}"
    refused = _admitted(ctx, rid)
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
            return _bad(
                "InvalidResourceReference",
                f"Resource {zone_id or '(none)'} referenced by resource {rid} was not found.",
            )
        wanted = ZONES.get(group, ("",))[0]
        if str(zone["name"]).lower() != wanted:
            return _bad(
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
    return _store(ctx, rid, ZONE_GROUP, {**body, "properties": props})


def _location_refusal(body: dict[str, Any], rtype: str) -> Response | None:
    location = str(body.get("location") or "")
    if location.lower() != "global":
        return _bad(
            "LocationNotAvailableForResourceType",
            f"The provided location '{location}' is not available for resource type '{rtype}'. List of available "
            "regions for the resource type is 'global'.",
        )
    return None


@action("PUT", RG + r"privatednszones/(?P<name>[^/]+)")
def put_zone(ctx: ActionContext) -> Response:
    rid = _rid(ctx, f"privateDnsZones/{ctx.match['name']}")
    body = dict(ctx.request.body or {})
    refused = _admitted(ctx, rid) or _location_refusal(body, ZONE)
    if refused is not None:
        return refused
    labels = ctx.match["name"].split(".")
    if len(labels) < 2 or any(not 1 <= len(label) <= 63 for label in labels) or len(ctx.match["name"]) > 253:
        return _bad(
            "InvalidResourceName", f"'{ctx.match['name']}' is not a valid private DNS zone name (two or more labels)."
        )
    return _store(ctx, rid, ZONE, {**body, "properties": _zone_counts(ctx, rid, dict(body.get("properties") or {}))})


def _zone_counts(ctx: ActionContext, rid: str, props: dict[str, Any]) -> dict[str, Any]:
    links = ctx.store.list_resources(rid, LINK)
    return {
        **props,
        "maxNumberOfRecordSets": 25000,
        "numberOfRecordSets": 1,  # the zone's SOA record
        "maxNumberOfVirtualNetworkLinks": 1000,
        "numberOfVirtualNetworkLinks": len(links),
        "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
        "numberOfVirtualNetworkLinksWithRegistration": sum(
            1 for link in links if (link.get("properties") or {}).get("registrationEnabled")
        ),
    }


@action("GET", RG + r"privatednszones/(?P<name>[^/]+)")
def get_zone(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.rules import check_version_listed
    from multicloud_ctl.local.arm.server import api_version

    rid = _rid(ctx, f"privateDnsZones/{ctx.match['name']}")
    refused = check_version_listed(ZONE, api_version(ctx.request))
    if refused is not None:
        return refused
    zone = ctx.store.get_resource(rid, poll=True)
    if zone is None:
        return _bad(
            "ResourceNotFound",
            f"The Resource '{ZONE}/{ctx.match['name']}' under resource group '{ctx.match['rg']}' was not found.",
            404,
        )
    zone["properties"] = _zone_counts(ctx, rid, dict(zone.get("properties") or {}))
    return Response(200, zone)


@action("DELETE", RG + r"privatednszones/(?P<name>[^/]+)")
def delete_zone(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    rid = _rid(ctx, f"privateDnsZones/{ctx.match['name']}")
    zone = ctx.store.get_resource(rid)
    if zone is None:
        return Response(204)
    if ctx.store.list_resources(rid, LINK):
        return _bad(
            "Conflict",
            f"The private DNS zone {ctx.match['name']} cannot be deleted while it has virtual network links: "
            "delete the links first.",
            409,
        )
    return delete_answer(ctx.store, ctx.base_url, ctx.match["sub"], zone["id"], ZONE)


@action("PUT", RG + r"privatednszones/(?P<zone>[^/]+)/virtualnetworklinks/(?P<name>[^/]+)")
def put_link(ctx: ActionContext) -> Response:
    zone_id = _rid(ctx, f"privateDnsZones/{ctx.match['zone']}")
    rid = f"{zone_id}/virtualNetworkLinks/{ctx.match['name']}"
    body = dict(ctx.request.body or {})
    refused = _admitted(ctx, rid) or _location_refusal(body, LINK)
    if refused is not None:
        return refused
    props = dict(body.get("properties") or {})
    vnet_id = str((props.get("virtualNetwork") or {}).get("id") or "")
    vnet = ctx.store.get_resource(vnet_id) if vnet_id else None
    if vnet is None or str(vnet["type"]).lower() != "microsoft.network/virtualnetworks":
        return _bad(
            "InvalidResourceReference", f"Resource {vnet_id or '(none)'} referenced by resource {rid} was not found."
        )
    for other in ctx.store.list_resources(zone_id, LINK):
        other_vnet = str(((other.get("properties") or {}).get("virtualNetwork") or {}).get("id") or "")
        if other["id"].lower() != rid.lower() and other_vnet.lower() == vnet_id.lower():
            return _bad(
                "Conflict",
                f"Virtual network {vnet_id} is already linked to private DNS zone {ctx.match['zone']} by "
                f"{other['name']}.",
                409,
            )
    props.setdefault("registrationEnabled", False)
    props.setdefault("resolutionPolicy", "Default")
    props["virtualNetworkLinkState"] = "Completed"
    return _store(ctx, rid, LINK, {**body, "properties": props})


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
    return _bad(
        "InUseSubnetCannotBeDeleted",
        f"Subnet {subnet} is in use by {users[0]} and cannot be deleted. In order to delete the subnet, delete all "
        "the resources within the subnet.",
    )


@action("PUT", RG + r"virtualnetworks/(?P<name>[^/]+)")
def put_vnet(ctx: ActionContext) -> Response:
    """A VNet PUT replaces its subnet list: one that drops a subnet private endpoints sit in is refused."""
    rid = _rid(ctx, f"virtualNetworks/{ctx.match['name']}")
    refused = _admitted(ctx, rid)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    kept = {str(s.get("name", "")).lower() for s in (body.get("properties") or {}).get("subnets") or []}
    for subnet, users in _endpoints_in(ctx, rid).items():
        if subnet not in kept:
            return _in_use(subnet, users)
    return _store(ctx, rid, "Microsoft.Network/virtualNetworks", body)


@action("DELETE", RG + r"virtualnetworks/(?P<name>[^/]+)")
def delete_vnet(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    rid = _rid(ctx, f"virtualNetworks/{ctx.match['name']}")
    vnet = ctx.store.get_resource(rid)
    if vnet is None:
        return Response(204)
    in_use = _endpoints_in(ctx, rid)
    if in_use:
        return _in_use(*next(iter(in_use.items())))
    return delete_answer(ctx.store, ctx.base_url, ctx.match["sub"], vnet["id"], "Microsoft.Network/virtualNetworks")
