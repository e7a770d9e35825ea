"""Fake ARM SQL failover groups as seen from both servers, and their failover actions.

A failover group is stored once, at the id it was created with (the primary server's, as provision creates
it). Azure answers it from either server ("Failover Groups - Get": the group on `serverName`), with
`properties.replicationRole` the role of the server in the URL and each `partnerServers[].replicationRole`
the partner's; the stored record keeps `replicationRole` for its own server. `POST .../failover` and
`.../forceFailoverAllowDataLoss` on a server make it the primary ("Failover Groups - Failover: fails over from
the current primary server to this server", 200 or 202 + long-running operation, learn.microsoft.com REST
API): here 202 with Azure-AsyncOperation and Location, as SQL's other operations. A failover sent to the server
that already is primary answers 200 with the group, changing nothing (assumed: the reference lists no error
for it). A server that is not in the group, or a group that does not exist: 404 ResourceNotFound.

Not modelled: a PUT (update) sent to the secondary after a failover replaces the stored record as sent.
"""

from __future__ import annotations

import copy
from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

SERVER = (
    r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.sql/servers/(?P<server>[^/]+)"
)
GROUP = SERVER + r"/failovergroups/(?P<name>[^/]+)"
TYPE = "Microsoft.Sql/servers/failoverGroups"


def _other(role: str) -> str:
    return "Secondary" if role == "Primary" else "Primary"


def _server_of(group_id: str) -> str:
    return group_id.split("/failoverGroups/")[0].split("/failovergroups/")[0]


def _locate(ctx: ActionContext, rid: str) -> tuple[dict[str, Any], bool] | None:
    """(stored group, whether the server in `rid` is the one it is stored under), or None."""
    own = ctx.store.get_resource(rid, poll=ctx.request.method == "GET")
    if own is not None:
        return own, True
    server = _server_of(rid).lower()
    prefix = f"/subscriptions/{ctx.match['sub']}"
    for found in ctx.store.list_resources(prefix, TYPE):
        partners = (found.get("properties") or {}).get("partnerServers") or []
        if found["name"].lower() == ctx.match["name"].lower() and any(
            str(p.get("id", "")).lower() == server for p in partners
        ):
            return found, False
    return None


def _view(stored: dict[str, Any], own: bool, url_server: str) -> dict[str, Any]:
    """The group as the server in the URL sees it."""
    out = copy.deepcopy(stored)
    props = out.setdefault("properties", {})
    home_role = str(props.get("replicationRole") or "Primary")
    role = home_role if own else _other(home_role)
    props["replicationRole"] = role
    home = _server_of(stored["id"])
    if not own:
        out["id"] = f"{url_server}/failoverGroups/{stored['name']}"
        props["partnerServers"] = [{"id": home, "replicationRole": _other(role)}]
        props["databases"] = [f"{url_server}/databases/{d.rsplit('/', 1)[1]}" for d in props.get("databases") or []]
    else:
        props["partnerServers"] = [{**p, "replicationRole": _other(role)} for p in props.get("partnerServers") or []]
    return out


def _missing(ctx: ActionContext) -> Response:
    return Response(
        404,
        {
            "error": {
                "code": "ResourceNotFound",
                "message": f"The requested resource of type '{TYPE}' with name '{ctx.match['name']}' was not found.",
            }
        },
    )


@action("GET", GROUP)
def get_group(ctx: ActionContext) -> Response:
    rid = ctx.request.path.rstrip("/")
    found = _locate(ctx, rid)
    if found is None:
        return _missing(ctx)
    stored, own = found
    return Response(200, _view(stored, own, _server_of(rid)))


@action("POST", GROUP + r"/(?P<op>failover|forcefailoverallowdataloss)")
def failover(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import _headers

    path = ctx.request.path.rstrip("/").rsplit("/", 1)[0]  # the group's id, as the URL's server sees it
    found = _locate(ctx, path)
    if found is None:
        return _missing(ctx)
    stored, own = found
    home_role = str((stored.get("properties") or {}).get("replicationRole") or "Primary")
    if (home_role if own else _other(home_role)) == "Primary":
        return Response(200, _view(stored, own, _server_of(path)))
    new_home_role = _other(home_role)
    partners = [
        {**p, "replicationRole": _other(new_home_role)} for p in stored["properties"].get("partnerServers") or []
    ]
    ctx.store.patch_resource(
        stored["id"], {"properties": {"replicationRole": new_home_role, "partnerServers": partners}}
    )
    op = ctx.store.new_operation(stored["id"], "update")
    return Response(202, None, _headers(ctx.store, ctx.base_url, ctx.match["sub"], op.op_id, "both"))
