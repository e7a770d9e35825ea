"""Fake ARM behaviour of the site-to-site VPN types (Microsoft.Network): what the Network RP adds and refuses.

The body is schema-checked first (`bodies.py`, Microsoft.Network.NRP.json 2023-09-01); then, as the RP does:
- publicIPAddresses: a Standard SKU address must be Static (`StandardSkuPublicIPAddressesMustBeStatic`, "Standard
  sku publicIp ... must have AllocationMethod set to Static.", seen in pulumi/pulumi-azure-native#1597 and
  MicrosoftDocs/azure-docs#42889); a Static address gets its `ipAddress` at creation and keeps it (the sandbox
  allocates from 203.0.113.0/24, RFC 5737's TEST-NET-3, never a real host).
- virtualNetworkGateways: the IP configuration's subnet must be the VNet's `GatewaySubnet` and exist, its public
  IP must exist, an AZ SKU needs a Standard public IP, BGP needs a route-based gateway, the ASN must not be one
  Azure reserves and custom APIPA BGP addresses must lie in 169.254.21.0-169.254.22.255 ("About BGP and VPN
  Gateway", "VPN Gateway FAQ", Microsoft Learn). The gateway answers `bgpSettings.bgpPeeringAddress` (the
  GatewaySubnet's last usable address), `bgpPeeringAddresses[].defaultBgpIpAddresses` / `tunnelIpAddresses`,
  and its creation runs GATEWAY_POLLS times as many polls as other types' (it takes 30-45 minutes in Azure).
- localNetworkGateways: a `gatewayIpAddress` or an `fqdn`; with `bgpSettings`, an `asn` Azure does not reserve and
  a `bgpPeeringAddress`.
- connections: an IPsec connection names an existing `virtualNetworkGateway1` and `localNetworkGateway2`; BGP
  on the connection needs BGP on both gateways; the `sharedKey` is at most 128 printable ASCII characters. ARM
  answers the gateway references with their `id` only, and never the `sharedKey` in a GET: the key is kept
  beside the connection and answered by `GET .../connections/{name}/sharedkey` (ConnectionSharedKey).
Only StandardSkuPublicIPAddressesMustBeStatic is a code seen from Azure; the other refusals' codes are the
nearest ARM names we know, their messages say what the RP requires.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

RG = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.network/"
AZURE_RESERVED_ASNS = {8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520}
APIPA = (ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24"))
GATEWAY_POLLS = 5  # a gateway's creation takes this many times the store's `lro_polls` polls
SHARED_KEY = "Microsoft.Network/connections/sharedkey"


def _bad(code: str, message: str) -> Response:
    return Response(400, {"error": {"code": code, "message": message}})


def _ref(ctx: ActionContext, node: Any) -> dict[str, Any] | None:
    rid = str((node or {}).get("id") or "") if isinstance(node, dict) else ""
    return ctx.store.get_resource(rid) if rid else None


def _admitted(ctx: ActionContext, rtype: str) -> tuple[str, Response | None]:
    """The resource id, and ARM's refusal when the group, the rules or the schema refuse the PUT."""
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    rid = f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/{rtype}/{m['name']}"
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return rid, error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    prov = rid.split("/providers/", 1)[1].split("/")
    return rid, check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)


def _store(ctx: ActionContext, rid: str, rtype: str, body: dict[str, Any], polls: int = 1) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer

    resource, created = ctx.store.put_resource(rid, rtype, body)
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], resource, created, polls_factor=polls)


@action("PUT", RG + r"publicipaddresses/(?P<name>[^/]+)")
def put_public_ip(ctx: ActionContext) -> Response:
    rtype = "Microsoft.Network/publicIPAddresses"
    rid, refused = _admitted(ctx, rtype)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    sku = str((body.get("sku") or {}).get("name") or "Basic")
    method = str(props.get("publicIPAllocationMethod") or "Dynamic")
    if sku == "Standard" and method != "Static":
        return _bad(
            "StandardSkuPublicIPAddressesMustBeStatic",
            f"Standard sku publicIp {rid} must have AllocationMethod set to Static.",
        )
    existing = ctx.store.get_resource(rid) or {}
    kept = (existing.get("properties") or {}).get("ipAddress")
    if method == "Static":
        props["ipAddress"] = kept or f"203.0.113.{secrets.randbelow(254) + 1}"
    props.setdefault("publicIPAddressVersion", "IPv4")
    props.setdefault("idleTimeoutInMinutes", 4)
    return _store(ctx, rid, rtype, {**body, "properties": props})


def _gateway_refusal(ctx: ActionContext, rid: str, props: dict[str, Any]) -> Response | None:
    configs = props.get("ipConfigurations") or []
    if not configs:
        return _bad("InvalidRequestFormat", f"Virtual network gateway {rid} needs an IP configuration.")
    for config in configs:
        cprops = config.get("properties") or {}
        subnet_id = str((cprops.get("subnet") or {}).get("id") or "")
        if not subnet_id.lower().endswith("/subnets/gatewaysubnet"):
            return _bad(
                "GatewaySubnet",
                f"Subnet {subnet_id or '(none)'} referenced by {rid} is not named GatewaySubnet: a virtual network "
                "gateway can only be created in the subnet named 'GatewaySubnet'.",
            )
        vnet = ctx.store.get_resource(subnet_id.rsplit("/subnets/", 1)[0])
        names = {str(s.get("name", "")).lower() for s in ((vnet or {}).get("properties") or {}).get("subnets") or []}
        if vnet is None or "gatewaysubnet" not in names:
            return _bad("InvalidResourceReference", f"Resource {subnet_id} referenced by resource {rid} was not found.")
        pip = _ref(ctx, cprops.get("publicIPAddress"))
        if pip is None:
            ref = (cprops.get("publicIPAddress") or {}).get("id")
            return _bad("InvalidResourceReference", f"Resource {ref} referenced by resource {rid} was not found.")
        sku = str(((props.get("sku") or {}).get("name")) or "")
        if sku.endswith("AZ") and (pip.get("sku") or {}).get("name") != "Standard":
            return _bad("InvalidRequestFormat", f"A {sku} gateway needs a Standard SKU public IP ({pip['id']}).")
    bgp = props.get("bgpSettings") or {}
    if props.get("enableBgp") and props.get("vpnType") != "RouteBased":
        return _bad("InvalidRequestFormat", "BGP is supported on route-based VPN gateways only.")
    if bgp.get("asn") in AZURE_RESERVED_ASNS:
        return _bad("InvalidRequestFormat", f"ASN {bgp['asn']} is reserved by Azure.")
    for peering in bgp.get("bgpPeeringAddresses") or []:
        for address in peering.get("customBgpIpAddresses") or []:
            if not any(ipaddress.ip_address(address) in net for net in APIPA):
                return _bad(
                    "InvalidRequestFormat",
                    f"Custom BGP IP address {address} is not in the APIPA range 169.254.21.0-169.254.22.255.",
                )
    return None


@action("PUT", RG + r"virtualnetworkgateways/(?P<name>[^/]+)")
def put_gateway(ctx: ActionContext) -> Response:
    rtype = "Microsoft.Network/virtualNetworkGateways"
    rid, refused = _admitted(ctx, rtype)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    refused = _gateway_refusal(ctx, rid, props)
    if refused is not None:
        return refused
    config = props["ipConfigurations"][0]
    subnet_id = config["properties"]["subnet"]["id"]
    vnet = ctx.store.get_resource(subnet_id.rsplit("/subnets/", 1)[0]) or {}
    prefix = next(
        str((s.get("properties") or {}).get("addressPrefix"))
        for s in (vnet.get("properties") or {}).get("subnets") or []
        if str(s.get("name", "")).lower() == "gatewaysubnet"
    )
    private = str(ipaddress.ip_network(prefix)[-2])
    pip = _ref(ctx, config["properties"].get("publicIPAddress")) or {}
    public = str((pip.get("properties") or {}).get("ipAddress") or "")
    config_id = f"{rid}/ipConfigurations/{config.get('name', 'default')}"
    props["ipConfigurations"] = [
        {**c, "id": f"{rid}/ipConfigurations/{c.get('name', 'default')}"} for c in props["ipConfigurations"]
    ]
    bgp = dict(props.get("bgpSettings") or {})
    if props.get("enableBgp"):
        bgp.setdefault("asn", 65515)
        bgp["bgpPeeringAddress"] = private
        bgp.setdefault("peerWeight", 0)
        peerings: list[dict[str, Any]] = list(bgp.get("bgpPeeringAddresses") or [])
        custom = (peerings[0] if peerings else {}).get("customBgpIpAddresses") or []
        bgp["bgpPeeringAddresses"] = [
            {
                "ipconfigurationId": config_id,
                "defaultBgpIpAddresses": [private],
                "customBgpIpAddresses": list(custom),
                "tunnelIpAddresses": [public] if public else [],
            }
        ]
        props["bgpSettings"] = bgp
    return _store(ctx, rid, rtype, {**body, "properties": props}, polls=GATEWAY_POLLS)


@action("PUT", RG + r"localnetworkgateways/(?P<name>[^/]+)")
def put_local_gateway(ctx: ActionContext) -> Response:
    rtype = "Microsoft.Network/localNetworkGateways"
    rid, refused = _admitted(ctx, rtype)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    if not props.get("gatewayIpAddress") and not props.get("fqdn"):
        return _bad("InvalidRequestFormat", f"Local network gateway {rid} needs a gatewayIpAddress or an fqdn.")
    if props.get("gatewayIpAddress"):
        try:
            ipaddress.IPv4Address(str(props["gatewayIpAddress"]))
        except ValueError:
            return _bad("InvalidRequestFormat", f"'{props['gatewayIpAddress']}' is not a valid IPv4 address.")
    bgp = props.get("bgpSettings")
    if bgp is not None:
        if bgp.get("asn") in AZURE_RESERVED_ASNS or not bgp.get("asn"):
            return _bad("InvalidRequestFormat", f"Local network gateway ASN {bgp.get('asn')} is missing or reserved.")
        if not bgp.get("bgpPeeringAddress"):
            return _bad("InvalidRequestFormat", "A local network gateway with BGP needs a bgpPeeringAddress.")
    return _store(ctx, rid, rtype, body)


@action("PUT", RG + r"connections/(?P<name>[^/]+)")
def put_connection(ctx: ActionContext) -> Response:
    rtype = "Microsoft.Network/connections"
    rid, refused = _admitted(ctx, rtype)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    gateway = _ref(ctx, props.get("virtualNetworkGateway1"))
    local = _ref(ctx, props.get("localNetworkGateway2"))
    for key, found in (("virtualNetworkGateway1", gateway), ("localNetworkGateway2", local)):
        if props.get("connectionType") == "IPsec" and found is None:
            ref = (props.get(key) or {}).get("id")
            return _bad("InvalidResourceReference", f"Resource {ref} referenced by resource {rid} was not found.")
    if props.get("enableBgp"):
        if not ((gateway or {}).get("properties") or {}).get("enableBgp"):
            return _bad("InvalidRequestFormat", "BGP on a connection needs BGP on its virtual network gateway.")
        if local is not None and not (local.get("properties") or {}).get("bgpSettings"):
            return _bad("InvalidRequestFormat", "BGP on a connection needs bgpSettings on its local network gateway.")
    key = props.pop("sharedKey", None)
    if key is not None and (not isinstance(key, str) or len(key) > 128 or not key.isascii() or not key.isprintable()):
        return _bad("InvalidRequestFormat", "The shared key must be at most 128 printable ASCII characters.")
    for ref in ("virtualNetworkGateway1", "virtualNetworkGateway2", "localNetworkGateway2"):
        if isinstance(props.get(ref), dict):
            props[ref] = {"id": props[ref].get("id")}
    props.setdefault("connectionStatus", "Unknown")
    answer = _store(ctx, rid, rtype, {**body, "properties": props})
    stored = key if key is not None else (_shared_key(ctx, rid) or secrets.token_urlsafe(24))
    ctx.store.put_resource(f"{rid}/sharedkey", SHARED_KEY, {"properties": {"value": stored}})
    return answer


def _shared_key(ctx: ActionContext, rid: str) -> str | None:
    found = ctx.store.get_resource(f"{rid}/sharedkey")
    return None if found is None else str((found.get("properties") or {}).get("value"))


@action("GET", RG + r"connections/(?P<name>[^/]+)/sharedkey")
def get_shared_key(ctx: ActionContext) -> Response:
    m = ctx.match
    rid = f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/Microsoft.Network/connections/{m['name']}"
    value = _shared_key(ctx, rid)
    if ctx.store.get_resource(rid) is None or value is None:
        return Response(404, {"error": {"code": "ResourceNotFound", "message": f"{rid} was not found."}})
    return Response(200, {"id": f"{rid}/sharedkey", "value": value})
