"""Fake ARM behaviour of private DNS zones (Microsoft.Network/privateDnsZones): what the Private DNS RP adds and
refuses.

Bodies are schema-checked first (`bodies.py`: Microsoft.Network.privateDns.json 2024-06-01); then, as the RP does:
- privateDnsZones: location `global` only (ARM's `LocationNotAvailableForResourceType` otherwise), a name of two
  or more DNS labels; a GET answers the live counts of record sets and virtual network links with the limits
  (25,000 record sets, 1,000 links, 100 registration links). A DELETE of a zone that still has virtual network
  links is 409 (azure-cli#15010, Azure/ResourceModules#823: links go first).
- privateDnsZones/virtualNetworkLinks: location `global`; the virtual network must exist; a zone links a VNet
  once (409 under another link name); the link answers `virtualNetworkLinkState: Completed`.
LocationNotAvailableForResourceType, InvalidResourceReference and the 409s are codes seen from Azure; the
others are the nearest names we know, their messages say what the RP requires.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.arm.privatelink import RG, ZONE, admitted, bad, missing, network_id, store_put
from multicloud_ctl.local.jsonhttp import Response

LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"


def _location_refusal(body: dict[str, Any], rtype: str) -> Response | None:
    location = str(body.get("location") or "")
    if location.lower() != "global":
        return bad(
            "LocationNotAvailableForResourceType",
            f"The provided location '{location}' is not available for resource type '{rtype}'. List of available "
            "regions for the resource type is 'global'.",
        )
    return None


@action("PUT", RG + r"privatednszones/(?P<name>[^/]+)")
def put_zone(ctx: ActionContext) -> Response:
    rid = network_id(ctx, f"privateDnsZones/{ctx.match['name']}")
    body = dict(ctx.request.body or {})
    refused = admitted(ctx, rid) or _location_refusal(body, ZONE)
    if refused is not None:
        return refused
    labels = ctx.match["name"].split(".")
    if len(labels) < 2 or any(not 1 <= len(label) <= 63 for label in labels) or len(ctx.match["name"]) > 253:
        return bad(
            "InvalidResourceName", f"'{ctx.match['name']}' is not a valid private DNS zone name (two or more labels)."
        )
    return store_put(ctx, rid, ZONE, {**body, "properties": _zone_counts(ctx, rid, dict(body.get("properties") or {}))})


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

    rid = network_id(ctx, f"privateDnsZones/{ctx.match['name']}")
    refused = check_version_listed(ZONE, api_version(ctx.request))
    if refused is not None:
        return refused
    zone = ctx.store.get_resource(rid, poll=True)
    if zone is None:
        return bad(
            "ResourceNotFound",
            f"The Resource '{ZONE}/{ctx.match['name']}' under resource group '{ctx.match['rg']}' was not found.",
            404,
        )
    zone["properties"] = _zone_counts(ctx, rid, dict(zone.get("properties") or {}))
    return Response(200, zone)


@action("DELETE", RG + r"privatednszones/(?P<name>[^/]+)")
def delete_zone(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import delete_answer

    rid = network_id(ctx, f"privateDnsZones/{ctx.match['name']}")
    zone = ctx.store.get_resource(rid)
    if zone is None:
        return Response(204)
    if ctx.store.list_resources(rid, LINK):
        return bad(
            "Conflict",
            f"The private DNS zone {ctx.match['name']} cannot be deleted while it has virtual network links: "
            "delete the links first.",
            409,
        )
    return delete_answer(ctx.store, ctx.base_url, ctx.match["sub"], zone["id"], ZONE)


@action("PUT", RG + r"privatednszones/(?P<zone>[^/]+)/virtualnetworklinks/(?P<name>[^/]+)")
def put_link(ctx: ActionContext) -> Response:
    zone_id = network_id(ctx, f"privateDnsZones/{ctx.match['zone']}")
    rid = f"{zone_id}/virtualNetworkLinks/{ctx.match['name']}"
    body = dict(ctx.request.body or {})
    refused = admitted(ctx, rid) or _location_refusal(body, LINK)
    if refused is not None:
        return refused
    props = dict(body.get("properties") or {})
    vnet_id = str((props.get("virtualNetwork") or {}).get("id") or "")
    vnet = ctx.store.get_resource(vnet_id) if vnet_id else None
    if vnet is None or str(vnet["type"]).lower() != "microsoft.network/virtualnetworks":
        return missing(vnet_id, rid)
    for other in ctx.store.list_resources(zone_id, LINK):
        other_vnet = str(((other.get("properties") or {}).get("virtualNetwork") or {}).get("id") or "")
        if other["id"].lower() != rid.lower() and other_vnet.lower() == vnet_id.lower():
            return bad(
                "Conflict",
                f"Virtual network {vnet_id} is already linked to private DNS zone {ctx.match['zone']} by "
                f"{other['name']}.",
                409,
            )
    props.setdefault("registrationEnabled", False)
    props.setdefault("resolutionPolicy", "Default")
    props["virtualNetworkLinkState"] = "Completed"
    return store_put(ctx, rid, LINK, {**body, "properties": props})
