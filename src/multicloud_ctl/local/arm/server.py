"""The fake Azure Resource Manager: a generic resource store speaking ARM's wire format.

Serves what the azure-mgmt SDKs send: resource groups (`/subscriptions/{sub}/resourcegroups/{rg}`),
any resource id under `.../providers/{namespace}/{type}/{name}[/{child-type}/{child}...]` with
PUT/GET/HEAD/PATCH/DELETE, collection GETs, `.../resources` listings with simple `$filter`, and
long-running operations done as ARM does them so `begin_create_or_update` / `begin_delete` pollers finish:
a new resource answers with an `Azure-AsyncOperation` header, a delete with a `Location` header, both with
`Retry-After: 0`, and the operation endpoints report `InProgress` for `lro_polls` polls, then `Succeeded`.
The status code is 200 for both: it is the one code every generated SDK method accepts, synchronous or
LRO (e.g. azure-mgmt-web's `begin_create_or_update` rejects 201, `delete` rejects 202), and the headers
alone make an LRO poller poll. A PUT of an existing resource answers 200 without LRO headers.
Errors use the ARM envelope `{"error": {"code", "message"}}`; every answer carries `x-ms-request-id`.
Extra behaviour (Cost Management, zip deploy) plugs in through `actions.py`.
"""

from __future__ import annotations

import re

from multicloud_ctl.local.arm.actions import ActionContext, find_action, load_plugins
from multicloud_ctl.local.arm.rules import check_put
from multicloud_ctl.local.arm.store import ArmStore, resource_type
from multicloud_ctl.local.jsonhttp import (
    JsonHandler,
    JsonServer,
    Request,
    Response,
    ServerHandle,
    start_in_thread,
)

OPS = "providers/microsoft.resources"
OPS_API = "2021-04-01"
_FILTER_TYPE = re.compile(r"resourceType\s+eq\s+'([^']+)'", re.IGNORECASE)
_FILTER_TAG = re.compile(r"tagName\s+eq\s+'([^']+)'(?:\s+and\s+tagValue\s+eq\s+'([^']*)')?", re.IGNORECASE)


def api_version(req: Request) -> str:
    """The request's `api-version` query value ("" when absent)."""
    return next((str(v) for k, v in req.query.items() if k.lower() == "api-version"), "")


def arm_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


class ArmHandler(JsonHandler):
    """Routes ARM paths to the store; see the module docstring."""

    request_id_header = "x-ms-request-id"
    server: ArmServer

    def error_response(self, status: int, code: str, message: str) -> Response:
        return arm_error(status, code, message)

    def route(self, req: Request) -> Response:
        if not req.headers.get("authorization", "").lower().startswith("bearer "):
            return arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or not a bearer token.",
            )
        if "api-version" not in {k.lower() for k in req.query}:
            return arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        base = f"http://{req.headers.get('host', self.server.url.split('//', 1)[1])}"
        found = find_action(req.method, req.path)
        if found:
            act, match = found
            return act.handler(ActionContext(req, match, self.server.store, base))
        seg = [s for s in req.path.split("/") if s]
        low = [s.lower() for s in seg]
        if not low or low[0] != "subscriptions":
            return arm_error(404, "InvalidResourceType", f"no ARM route for {req.path}")
        if len(seg) == 1:
            return Response(200, {"value": []})
        sub = seg[1]
        rest, rest_low = seg[2:], low[2:]
        if not rest:
            return Response(
                200,
                {
                    "id": f"/subscriptions/{sub}",
                    "subscriptionId": sub,
                    "displayName": "mcctl sandbox",
                    "state": "Enabled",
                },
            )
        if rest_low == ["resources"]:
            return self._list(req, f"/subscriptions/{sub}")
        if rest_low[0] == "resourcegroups":
            if len(rest) == 1:
                return Response(200, {"value": self.server.store.list_groups(sub)})
            rg = rest[1]
            if len(rest) == 2:
                return self._group(req, sub, rg, base)
            if self.server.store.get_group(sub, rg) is None:
                return arm_error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
            if rest_low[2:] == ["resources"]:
                return self._list(req, f"/subscriptions/{sub}/resourceGroups/{rg}")
            if rest_low[2] == "providers" and len(rest) >= 5:
                return self._resource(req, f"/subscriptions/{sub}/resourceGroups/{rg}", rest[3:], base)
        if rest_low[0] == "providers" and len(rest) >= 2:
            return self._subscription_provider(req, sub, rest[1:], base)
        return arm_error(404, "InvalidResourceType", f"no ARM route for {req.path}")

    # ---- resource groups ---------------------------------------------------------------------------
    def _group(self, req: Request, sub: str, rg: str, base: str) -> Response:
        store = self.server.store
        if req.method == "PUT":
            created_group, created = store.put_group(sub, rg, req.body or {})
            return Response(201 if created else 200, created_group)
        if req.method == "PATCH":
            patched = store.patch_group(sub, rg, req.body or {})
            return Response(200, patched) if patched else self._no_group(rg)
        if req.method == "HEAD":
            return Response(204 if store.get_group(sub, rg) else 404)
        if req.method == "GET":
            found = store.get_group(sub, rg)
            return Response(200, found) if found else self._no_group(rg)
        if req.method == "DELETE":
            if not store.delete_group(sub, rg):
                return self._no_group(rg)
            return self._accepted_delete(sub, f"/subscriptions/{sub}/resourceGroups/{rg}", base)
        return arm_error(405, "MethodNotAllowed", f"{req.method} is not supported on a resource group")

    @staticmethod
    def _no_group(rg: str) -> Response:
        return arm_error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")

    # ---- generic resources -------------------------------------------------------------------------
    def _resource(self, req: Request, scope: str, prov: list[str], base: str) -> Response:
        """`prov` = [namespace, type, name, child-type, child...]: odd length = item, even = collection."""
        store = self.server.store
        rtype = resource_type(prov)
        rid = f"{scope}/providers/{'/'.join(prov)}"
        if len(prov) % 2 == 0:
            if req.method != "GET":
                return arm_error(405, "MethodNotAllowed", f"{req.method} on a collection")
            parent = rid.rsplit("/", 1)[0]
            items = [r for r in store.list_resources(parent, rtype) if r["id"].lower().rsplit("/", 1)[0] == rid.lower()]
            return Response(200, {"value": items})
        sub = scope.split("/")[2]
        if req.method == "PUT":
            refused = check_put(store, rid, prov, api_version(req))
            if refused is not None:
                return refused
            resource, created = store.put_resource(rid, rtype, req.body or {})
            if not created:
                return Response(200, resource)
            op = store.new_operation(resource["id"])
            return Response(
                200,  # the one status every SDK accepts for a PUT (sync or LRO); the header makes it poll
                resource,
                {
                    "Azure-AsyncOperation": f"{base}/subscriptions/{sub}/{OPS}/operationStatuses/{op.op_id}"
                    f"?api-version={OPS_API}",
                    "Retry-After": "0",
                },
            )
        if req.method == "DELETE":
            if not store.delete_resource(rid):
                return Response(204)
            return self._accepted_delete(sub, rid, base)
        existing = store.get_resource(rid)
        if existing is None:
            group = scope.rsplit("/", 1)[1] if "/resourceGroups/" in scope else "(subscription)"
            return arm_error(
                404,
                "ResourceNotFound",
                f"The Resource '{rtype}/{prov[-1]}' under resource group '{group}' was not found.",
            )
        if req.method == "HEAD":
            return Response(204)
        if req.method == "GET":
            return Response(200, existing)
        if req.method == "PATCH":
            return Response(200, store.patch_resource(rid, req.body or {}))
        if req.method == "POST":
            return arm_error(404, "NoActionHandler", f"no action is registered for POST {req.path}")
        return arm_error(405, "MethodNotAllowed", f"{req.method} is not supported")

    def _accepted_delete(self, sub: str, rid: str, base: str) -> Response:
        op = self.server.store.new_operation(rid)
        return Response(
            200,  # accepted by sync deletes ([200, 204]) and LRO deletes; the Location header makes it poll
            None,
            {
                "Location": f"{base}/subscriptions/{sub}/{OPS}/operationResults/{op.op_id}?api-version={OPS_API}",
                "Retry-After": "0",
            },
        )

    def _subscription_provider(self, req: Request, sub: str, prov: list[str], base: str) -> Response:
        low = [p.lower() for p in prov]
        if low[0] == "microsoft.resources" and len(prov) == 3 and low[1] in ("operationstatuses", "operationresults"):
            op = self.server.store.poll_operation(prov[2])
            if op is None:
                return arm_error(404, "OperationNotFound", f"operation {prov[2]} not found")
            if low[1] == "operationresults":
                return Response(202, None, {"Retry-After": "0"}) if op.status == "InProgress" else Response(204)
            return Response(
                200,
                {
                    "id": f"/subscriptions/{sub}/{OPS}/operationStatuses/{op.op_id}",
                    "name": op.op_id,
                    "status": op.status,
                },
            )
        if len(prov) in (1, 2) and (len(prov) == 1 or low[1] == "register"):
            return Response(
                200,
                {
                    "id": f"/subscriptions/{sub}/providers/{prov[0]}",
                    "namespace": prov[0],
                    "registrationState": "Registered",
                    "resourceTypes": [],
                },
            )
        return self._resource(req, f"/subscriptions/{sub}", prov, base)

    # ---- listings ----------------------------------------------------------------------------------
    def _list(self, req: Request, scope: str) -> Response:
        if req.method != "GET":
            return arm_error(405, "MethodNotAllowed", f"{req.method} on a listing")
        flt = next((v for k, v in req.query.items() if k.lower() == "$filter"), "")
        type_match = _FILTER_TYPE.search(flt)
        items = self.server.store.list_resources(scope, type_match.group(1) if type_match else None)
        tag_match = _FILTER_TAG.search(flt)
        if tag_match:
            name, value = tag_match.group(1), tag_match.group(2)
            items = [r for r in items if name in (r.get("tags") or {}) and (value is None or r["tags"][name] == value)]
        return Response(200, {"value": items})


class ArmServer(JsonServer):
    """The fake ARM HTTP server; `store` is shared with action plugins."""

    def __init__(self, port: int, *, store: ArmStore | None = None, verbose: bool = False) -> None:
        self.store = store or ArmStore()
        super().__init__(port, ArmHandler, service="mcctl-arm", reset=self.store.reset, verbose=verbose)


def run_arm(port: int = 0, *, lro_polls: int = 1, verbose: bool = False) -> ServerHandle:
    """Start the fake ARM on 127.0.0.1:port (0 = any free port) in a background thread."""
    load_plugins()
    return start_in_thread(ArmServer(port, store=ArmStore(lro_polls=lro_polls), verbose=verbose))


def serve(port: int, *, lro_polls: int = 1, verbose: bool = False) -> None:
    """Run the fake ARM in the foreground until interrupted (`python -m multicloud_ctl.local.arm`)."""
    load_plugins()
    server = ArmServer(port, store=ArmStore(lro_polls=lro_polls), verbose=verbose)
    try:
        server.serve_forever()
    finally:
        server.server_close()
