"""Fake ARM Service Bus Geo-Disaster Recovery: the alias (`disasterRecoveryConfigs`) on both namespaces, its
failover and break pairing, refusing what Service Bus refuses.

The REST definition (Azure/azure-rest-api-specs, specification/servicebus/resource-manager/Microsoft.ServiceBus/
stable/2024-01-01/DisasterRecoveryConfig.json): PUT/GET/DELETE `.../namespaces/{ns}/disasterRecoveryConfigs/{alias}`
(ArmDisasterRecovery: `partnerNamespace`, `alternateName`; read-only `role` Primary | PrimaryNotReplicating |
Secondary, `provisioningState` Accepted | Succeeded | Failed, `pendingReplicationOperationsCount`), POST
`.../{alias}/failover` (optional body `{"properties": {"IsSafeFailover": bool}}`, 200, no long-running
operation) and POST `.../{alias}/breakPairing` (200). The body of a PUT is checked against the vendored schema
first (`bodies.py`), then, as the service does ("Azure Service Bus Geo-disaster recovery", Microsoft Learn):
- Geo-DR is a Premium feature: both namespaces must be Premium (400);
- the PUT goes to the primary with `partnerNamespace` naming an existing namespace (the secondary) that is
  not in another pairing; the alias then reads `Primary` on the primary and `Secondary` on the partner;
- a failover is initiated on the secondary ("Failover can only be initiated from the secondary namespace";
  on the primary: 400); it breaks the pairing: the secondary becomes `PrimaryNotReplicating` (the alias points
  to it) and the old primary leaves the pairing (its copy of the alias is gone). It needs nothing from the old
  primary, so it works with the primary's region gone, unless `IsSafeFailover` asks to wait for pending
  replication, which needs the primary: refused (409) when its namespace or its copy of the alias is gone
  (assumed: the reference names no error code for it);
- the new role shows once the operation has settled: the first GET after a failover reads `Accepted`;
- break pairing is initiated on the primary (on the secondary: 400); both namespaces keep running unpaired;
- a paired alias cannot be deleted (break the pairing or fail over first: 400);
- an unknown alias or namespace: 404 `ResourceNotFound` in the ARM error envelope.
The refusals' codes are the nearest ARM names we know; their messages say what the service requires.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

NAMESPACE = (
    r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.servicebus/namespaces/(?P<ns>[^/]+)"
)
ALIAS = NAMESPACE + r"/disasterrecoveryconfigs/(?P<alias>[^/]+)"
TYPE = "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs"
NS_TYPE = "Microsoft.ServiceBus/namespaces"


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _ns_id(ctx: ActionContext) -> str:
    m = ctx.match
    return f"/subscriptions/{m['sub']}/resourceGroups/{m['rg']}/providers/{NS_TYPE}/{m['ns']}"


def _alias_id(namespace_id: str, alias: str) -> str:
    return f"{namespace_id}/disasterRecoveryConfigs/{alias}"


def _unlisted(ctx: ActionContext) -> Response | None:
    """ARM's refusal of an api-version Service Bus does not publish for the alias (checked before the RP)."""
    from multicloud_ctl.local.arm.rules import check_version_listed
    from multicloud_ctl.local.arm.server import api_version

    return check_version_listed(TYPE, api_version(ctx.request))


def _missing(ctx: ActionContext) -> Response:
    return _error(
        404,
        "ResourceNotFound",
        f"The Resource '{TYPE}/{ctx.match['alias']}' under resource group '{ctx.match['rg']}' was not found.",
    )


def _premium(namespace: dict[str, Any] | None) -> bool:
    return namespace is not None and str((namespace.get("sku") or {}).get("name", "")).lower() == "premium"


def _role(record: dict[str, Any]) -> str:
    return str((record.get("properties") or {}).get("role") or "")


def _store(ctx: ActionContext, rid: str, props: dict[str, Any], body: dict[str, Any] | None = None) -> None:
    """Write the alias record at `rid` with these properties (the store marks writes Succeeded; `props` may
    say Accepted, which the next GET settles)."""
    state = props.get("provisioningState", "Succeeded")
    ctx.store.put_resource(rid, TYPE, {**(body or {}), "properties": props})
    if state != "Succeeded":
        ctx.store.new_operation(rid, "update", polls=0)  # reads Accepted until one GET has polled it


@action("PUT", ALIAS)
def put_alias(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.rules import check_put
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    m = ctx.match
    if ctx.store.get_group(m["sub"], m["rg"]) is None:
        return _error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
    ns_id = _ns_id(ctx)
    rid = _alias_id(ns_id, m["alias"])
    prov = rid.split("/providers/", 1)[1].split("/")
    refused = check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    partner_id = str(props.get("partnerNamespace") or "")
    if not _premium(ctx.store.get_resource(ns_id)):
        return _error(400, "BadRequest", f"Namespace '{m['ns']}': Geo-DR is supported on the Premium tier only.")
    if not partner_id:
        return _error(400, "BadRequest", "partnerNamespace is required: the ARM id of the secondary namespace.")
    partner = ctx.store.get_resource(partner_id)
    if partner is None or str(partner.get("type", "")).lower() != NS_TYPE.lower():
        return _error(404, "ResourceNotFound", f"The partner namespace '{partner_id}' was not found.")
    if partner["id"].lower() == ns_id.lower():
        return _error(400, "BadRequest", "A namespace cannot be paired with itself.")
    if not _premium(partner):
        return _error(
            400, "BadRequest", f"Namespace '{partner['name']}': Geo-DR is supported on the Premium tier only."
        )
    existing = ctx.store.get_resource(rid)
    if existing is not None:
        if _role(existing) == "Secondary":
            return _error(400, "BadRequest", "The alias can only be updated on its primary namespace.")
        if str(existing["properties"].get("partnerNamespace", "")).lower() == partner["id"].lower():
            return Response(200, existing)  # the same pairing: nothing changes
        return _error(409, "Conflict", f"Namespace '{m['ns']}' is already paired under alias '{m['alias']}'.")
    for other in ctx.store.list_resources(partner["id"], TYPE):
        return _error(409, "Conflict", f"Namespace '{partner['name']}' is already in pairing '{other['name']}'.")
    for other in ctx.store.list_resources(ns_id, TYPE):
        return _error(409, "Conflict", f"Namespace '{m['ns']}' is already in pairing '{other['name']}'.")
    common = {"pendingReplicationOperationsCount": 0, "provisioningState": "Accepted"}
    if props.get("alternateName"):
        common["alternateName"] = props["alternateName"]
    _store(ctx, rid, {**common, "partnerNamespace": partner["id"], "role": "Primary"}, body)
    _store(ctx, _alias_id(partner["id"], m["alias"]), {**common, "partnerNamespace": ns_id, "role": "Secondary"})
    return Response(201, ctx.store.get_resource(rid))


@action("GET", ALIAS)
def get_alias(ctx: ActionContext) -> Response:
    if (unlisted := _unlisted(ctx)) is not None:
        return unlisted
    rid = _alias_id(_ns_id(ctx), ctx.match["alias"])
    found = ctx.store.get_resource(rid)  # as it is now; the GET then counts as one poll of a running change
    if found is None:
        return _missing(ctx)
    ctx.store.get_resource(rid, poll=True)
    return Response(200, found)


@action("DELETE", ALIAS)
def delete_alias(ctx: ActionContext) -> Response:
    if (unlisted := _unlisted(ctx)) is not None:
        return unlisted
    rid = _alias_id(_ns_id(ctx), ctx.match["alias"])
    found = ctx.store.get_resource(rid)
    if found is None:
        return Response(204)
    if _role(found) in ("Primary", "Secondary"):
        return _error(400, "BadRequest", "The alias is paired: break the pairing (or fail over) before deleting it.")
    ctx.store.delete_resource(rid)
    return Response(200)


def _failover_body(body: Any) -> tuple[bool, Response | None]:
    """(IsSafeFailover, refusal): the FailoverProperties body is optional."""
    if body in (None, b"", ""):
        return False, None
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(body, dict) or (props is not None and not isinstance(props, dict)):
        return False, _error(400, "InvalidRequestContent", "The request content was invalid: FailoverProperties.")
    safe = (props or {}).get("IsSafeFailover", False)
    if not isinstance(safe, bool):
        return False, _error(400, "InvalidRequestContent", "properties.IsSafeFailover must be a boolean.")
    return safe, None


@action("POST", ALIAS + r"/failover")
def failover(ctx: ActionContext) -> Response:
    if (unlisted := _unlisted(ctx)) is not None:
        return unlisted
    rid = _alias_id(_ns_id(ctx), ctx.match["alias"])
    found = ctx.store.get_resource(rid)
    if found is None:
        return _missing(ctx)
    if _role(found) != "Secondary":
        return _error(
            400,
            "BadRequest",
            f"Namespace '{ctx.match['ns']}' is {_role(found)} in alias '{ctx.match['alias']}': failover can only be "
            "initiated from the secondary namespace.",
        )
    safe, refused = _failover_body(ctx.request.body)
    if refused is not None:
        return refused
    old_primary = str(found["properties"].get("partnerNamespace") or "")
    old_record = ctx.store.get_resource(_alias_id(old_primary, ctx.match["alias"])) if old_primary else None
    if safe and old_record is None:
        return _error(
            409,
            "Conflict",
            "A safe failover waits for pending replication from the primary namespace, which cannot be reached: "
            "fail over with IsSafeFailover false.",
        )
    if old_record is not None:
        ctx.store.delete_resource(old_record["id"])
    props = {
        **found["properties"],
        "role": "PrimaryNotReplicating",
        "partnerNamespace": "",
        "pendingReplicationOperationsCount": 0,
        "provisioningState": "Accepted",
    }
    _store(ctx, rid, props)
    return Response(200)


@action("POST", ALIAS + r"/breakpairing")
def break_pairing(ctx: ActionContext) -> Response:
    if (unlisted := _unlisted(ctx)) is not None:
        return unlisted
    rid = _alias_id(_ns_id(ctx), ctx.match["alias"])
    found = ctx.store.get_resource(rid)
    if found is None:
        return _missing(ctx)
    if _role(found) != "Primary":
        return _error(
            400,
            "BadRequest",
            f"Namespace '{ctx.match['ns']}' is {_role(found)} in alias '{ctx.match['alias']}': break pairing is "
            "initiated on the primary namespace of a pairing.",
        )
    partner = str(found["properties"].get("partnerNamespace") or "")
    if partner:
        ctx.store.delete_resource(_alias_id(partner, ctx.match["alias"]))
    _store(ctx, rid, {**found["properties"], "role": "PrimaryNotReplicating", "partnerNamespace": ""})
    return Response(200)
