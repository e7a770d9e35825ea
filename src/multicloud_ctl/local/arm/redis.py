"""Fake ARM behaviour of Azure Cache for Redis (Microsoft.Cache/redis): what the Cache RP adds and refuses.

The body is schema-checked first (`bodies.py`, Microsoft.Cache.json 2024-11-01: `properties.sku` with `name`,
`family` and `capacity` required, `minimumTlsVersion` one of 1.0/1.1/1.2); then, as the RP does ("Azure Cache
for Redis" REST reference, Redis - Create; "Azure Cache for Redis planning FAQ", Microsoft Learn):
- the SKU family matches the name (C for Basic and Standard, P for Premium) and the capacity the family
  (C0-C6, P1-P5); `shardCount`, `subnetId`, `staticIP` and `replicasPerMaster` need Premium;
- an existing cache cannot move from Premium to a lower tier, nor change `subnetId` (a cache is injected into a
  VNet at creation only);
- the cache answers `hostName` (`{name}.redis.cache.windows.net`), `port` 6379, `sslPort` 6380, `redisVersion`,
  `enableNonSslPort` (false unless sent), `minimumTlsVersion` as sent (the service's default when left out
  applies TLS 1.2 too) and `publicNetworkAccess` (Enabled unless sent); its access keys are never in a GET;
- creation is a long-running operation that takes CREATE_POLLS times as many polls as other types' (15-20
  minutes in Azure).
The refusals' codes are the nearest ARM names we know; their messages say what the RP requires.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

CACHE = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.cache/redis/(?P<name>[^/]+)"
TYPE = "Microsoft.Cache/redis"
CREATE_POLLS = 3
CAPACITY = {"C": range(0, 7), "P": range(1, 6)}
FAMILY = {"Basic": "C", "Standard": "C", "Premium": "P"}
PREMIUM_ONLY = ("shardCount", "subnetId", "staticIP", "replicasPerMaster", "replicasPerPrimary")


def _bad(code: str, message: str) -> Response:
    return Response(400, {"error": {"code": code, "message": message}})


def refusal(props: dict[str, Any], was: dict[str, Any] | None) -> Response | None:
    """The Cache RP's refusal of these properties (`was` = the existing cache's), or None."""
    sku = dict(props.get("sku") or {})
    name, family, capacity = str(sku.get("name")), str(sku.get("family")), int(sku.get("capacity", -1))
    if FAMILY.get(name) != family:
        return _bad("InvalidRequestBody", f"The SKU family '{family}' is not valid for the SKU '{name}'.")
    if capacity not in CAPACITY[family]:
        return _bad("InvalidRequestBody", f"The capacity {capacity} is not valid for the SKU family '{family}'.")
    if name != "Premium":
        for key in PREMIUM_ONLY:
            if props.get(key) is not None:
                return _bad("InvalidRequestBody", f"'{key}' requires the Premium SKU.")
    if was is not None:
        old = str((was.get("sku") or {}).get("name"))
        if old == "Premium" and name != "Premium":
            return _bad("BadRequest", f"A Premium cache cannot be scaled down to the {name} tier.")
        if props.get("subnetId") != was.get("subnetId") and "subnetId" in props:
            return _bad("BadRequest", "The subnet of a cache cannot be changed after it is created.")
    return None


@action("PUT", CACHE)
def put_cache(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer
    from multicloud_ctl.local.arm.rules import check_put, error
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    rid = f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/{TYPE}/{m['name']}"
    prov = rid.split("/providers/", 1)[1].split("/")
    refused = check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    existing = ctx.store.get_resource(rid)
    if (refused := refusal(props, None if existing is None else dict(existing.get("properties") or {}))) is not None:
        return refused
    props.setdefault("enableNonSslPort", False)
    props.setdefault("publicNetworkAccess", "Enabled")
    props.setdefault("redisVersion", "6.0")
    props.update({"hostName": f"{m['name'].lower()}.redis.cache.windows.net", "port": 6379, "sslPort": 6380})
    props.pop("provisioningState", None)
    resource, created = ctx.store.put_resource(rid, TYPE, {**body, "properties": props})
    polls = CREATE_POLLS if created else 1
    return put_answer(ctx.store, ctx.base_url, m["sub"], resource, created, polls_factor=polls)
