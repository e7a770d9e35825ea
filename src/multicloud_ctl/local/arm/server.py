"""The fake Azure Resource Manager: a generic resource store speaking ARM's wire format.

Serves what the azure-mgmt SDKs send: resource groups (`/subscriptions/{sub}/resourcegroups/{rg}`),
any resource id under `.../providers/{namespace}/{type}/{name}[/{child-type}/{child}...]` with
PUT/GET/HEAD/PATCH/DELETE, collection GETs, `.../resources` listings with simple `$filter`.
A request passes ARM's gates in ARM's order: a bearer token (401), an `api-version` (400), the subscription's
write throttle when armed (429, `throttle.py`), then for a write the rules ARM applies before a provider sees it
(`rules.py`: api-version published for the type, namespace, name, parent) and the body against the type's
published schema for that api-version (`bodies.py`; the check runs in `check`, the refusal here):
400 `InvalidRequestContent`, the code ARM answers for a body it cannot take ("The request content was invalid
and could not be deserialized: ...", e.g. Azure/acs-engine#2938, pulumi/pulumi-azure-native#3022), with one
`details` entry per violation. Long-running PUT/DELETE follow ARM's async contract per type (`lro.py`).
Errors use the ARM envelope `{"error": {"code", "message"}}`; every answer carries `x-ms-request-id`.
Extra behaviour (Cost Management, zip deploy, web apps) plugs in through `actions.py`.
"""

from __future__ import annotations

import re
from typing import Any

from multicloud_ctl.local.arm import lro
from multicloud_ctl.local.arm.actions import ActionContext, find_action, load_plugins
from multicloud_ctl.local.arm.bodies import check_body
from multicloud_ctl.local.arm.rules import check_put, check_version_listed
from multicloud_ctl.local.arm.store import RG_TYPE, ArmStore, resource_type
from multicloud_ctl.local.arm.throttle import REMAINING_WRITES, WRITES, WriteThrottle
from multicloud_ctl.local.jsonhttp import (
    Checked,
    JsonHandler,
    JsonServer,
    Request,
    Response,
    ServerHandle,
    start_in_thread,
)

OPS, OPS_API = lro.OPS, lro.OPS_API
# GenericResourceExpanded: what a listing says of each resource (Resources - List By Resource Group)
LISTED_KEYS = (
    "id",
    "name",
    "type",
    "location",
    "tags",
    "kind",
    "sku",
    "managedBy",
    "plan",
    "identity",
    "extendedLocation",
)
_FILTER_TYPE = re.compile(r"resourceType\s+eq\s+'([^']+)'", re.IGNORECASE)
_FILTER_TAG = re.compile(r"tagName\s+eq\s+'([^']+)'(?:\s+and\s+tagValue\s+eq\s+'([^']*)')?", re.IGNORECASE)


def api_version(req: Request) -> str:
    """The request's `api-version` query value ("" when absent)."""
    return next((str(v) for k, v in req.query.items() if k.lower() == "api-version"), "")


def arm_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def invalid_body(checked: Checked | None) -> Response | None:
    """ARM's refusal of a body that breaks the type's schema, or None when it conforms."""
    if checked is None or not checked.violations:
        return None
    first = checked.violations[0]
    resp = arm_error(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{first}' ({checked.operation}).",
    )
    resp.body["error"]["details"] = [
        {"code": "InvalidRequestContent", "target": v.split(": ", 1)[0], "message": v} for v in checked.violations
    ]
    return resp


def target_of(path: str) -> tuple[str, str] | None:
    """(ARM type, name) of the resource or group a path names, or None (collections, listings, others)."""
    seg = [s for s in path.split("/") if s]
    low = [s.lower() for s in seg]
    if len(seg) < 4 or low[0] != "subscriptions":
        return None
    if low[2] == "resourcegroups":
        if len(seg) == 4:
            return RG_TYPE, seg[3]
        prov = seg[5:] if len(seg) > 5 and low[4] == "providers" else []
    else:
        prov = seg[3:] if low[2] == "providers" else []
    low_prov = [s.lower() for s in prov]
    if "providers" in low_prov[1:]:  # an extension resource (a role assignment on a namespace): its own type
        prov = prov[len(low_prov) - low_prov[::-1].index("providers") :]
    if len(prov) < 3 or len(prov) % 2 == 0:
        return None
    return resource_type(prov), prov[-1]


class ArmHandler(JsonHandler):
    """Routes ARM paths to the store; see the module docstring."""

    request_id_header = "x-ms-request-id"
    server: ArmServer

    def error_response(self, status: int, code: str, message: str) -> Response:
        return arm_error(status, code, message)

    def check(self, req: Request) -> Checked | None:
        """A PUT/PATCH body of a resource (or group) against its type's schema at the request's api-version."""
        if req.method not in ("PUT", "PATCH"):
            return None
        target = target_of(req.path)
        if target is None:
            return None
        return check_body(req.method, target[0], target[1], api_version(req), req.body)

    def _admin(self, req: Request) -> Response:
        if req.path == "/_admin/throttle":
            if req.method == "POST":
                body = dict(req.body or {})
                self.server.throttle = WriteThrottle(
                    int(body.get("capacity", 200)), float(body.get("refill_per_s", 10))
                )
            elif req.method == "DELETE":
                self.server.throttle = None
            armed = self.server.throttle
            return Response(200, {"throttle": None if armed is None else [armed.capacity, armed.refill_per_s]})
        if req.path == "/_admin/permissions":
            from multicloud_ctl.local.arm.authorization import set_caller_permissions

            return set_caller_permissions(self.server.store, req.method, req.body)
        return super()._admin(req)

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
        throttle = self.server.throttle
        if throttle is not None and req.method in WRITES:
            seg = [s for s in req.path.split("/") if s]
            sub = seg[1] if len(seg) > 1 and seg[0].lower() == "subscriptions" else "(tenant)"
            allowed, remaining, wait = throttle.take(sub)
            if not allowed:
                refused = arm_error(
                    429,
                    "SubscriptionRequestsThrottled",
                    f"Number of 'write' requests for subscription '{sub}' exceeded the limit. "
                    f"Please try again after '{wait}' seconds.",
                )
                refused.headers.update({"Retry-After": str(wait), REMAINING_WRITES: "0"})
                return refused
            resp = self._served(req)
            resp.headers.setdefault(REMAINING_WRITES, str(remaining))
            return resp
        return self._served(req)

    def _served(self, req: Request) -> Response:
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
            return self._list(req, f"/subscriptions/{sub}", base)
        if rest_low[0] == "resourcegroups":
            if len(rest) == 1:
                return Response(200, {"value": self.server.store.list_groups(sub)})
            rg = rest[1]
            if len(rest) == 2:
                return self._group(req, sub, rg, base)
            if self.server.store.get_group(sub, rg) is None:
                return arm_error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
            if rest_low[2:] == ["resources"]:
                return self._list(req, f"/subscriptions/{sub}/resourceGroups/{rg}", base)
            if rest_low[2] == "providers" and len(rest) >= 5:
                return self._resource(req, f"/subscriptions/{sub}/resourceGroups/{rg}", rest[3:], base)
        if rest_low[0] == "providers" and len(rest) >= 2:
            return self._subscription_provider(req, sub, rest[1:], base)
        return arm_error(404, "InvalidResourceType", f"no ARM route for {req.path}")

    # ---- resource groups ---------------------------------------------------------------------------
    def _group(self, req: Request, sub: str, rg: str, base: str) -> Response:
        store = self.server.store
        if req.method == "PUT":
            refused = check_version_listed(RG_TYPE, api_version(req)) or invalid_body(req.checked)
            if refused is not None:
                return refused
            created_group, created = store.put_group(sub, rg, req.body or {})
            return Response(201 if created else 200, created_group)
        if req.method == "PATCH":
            if (refused := invalid_body(req.checked)) is not None:
                return refused
            patched = store.patch_group(sub, rg, req.body or {})
            return Response(200, patched) if patched else self._no_group(rg)
        if req.method == "HEAD":
            return Response(204 if store.get_group(sub, rg) else 404)
        if req.method == "GET":
            found = store.get_group(sub, rg)
            return Response(200, found) if found else self._no_group(rg)
        if req.method == "DELETE":
            found = store.get_group(sub, rg)
            if found is None:
                return self._no_group(rg)
            return lro.delete_answer(store, base, sub, found["id"], RG_TYPE)
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
            refused = check_put(store, rid, prov, api_version(req)) or invalid_body(req.checked)
            if refused is not None:
                return refused
            resource, created = store.put_resource(rid, rtype, req.body or {})
            return lro.put_answer(store, base, sub, resource, created)
        listed = check_version_listed(rtype, api_version(req))
        if listed is not None:
            return listed
        if req.method == "DELETE":
            gone = store.get_resource(rid)
            if gone is None:
                return Response(204)
            return lro.delete_answer(store, base, sub, gone["id"], rtype)
        existing = store.get_resource(rid, poll=req.method == "GET")
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
            return invalid_body(req.checked) or Response(200, store.patch_resource(rid, req.body or {}))
        if req.method == "POST":
            return arm_error(404, "NoActionHandler", f"no action is registered for POST {req.path}")
        return arm_error(405, "MethodNotAllowed", f"{req.method} is not supported")

    def _subscription_provider(self, req: Request, sub: str, prov: list[str], base: str) -> Response:
        low = [p.lower() for p in prov]
        if low[0] == "microsoft.resources" and len(prov) == 3 and low[1] in ("operationstatuses", "operationresults"):
            polled = lro.poll(self.server.store, sub, low[1], prov[2])
            if polled is None:
                return arm_error(404, "OperationNotFound", f"operation {prov[2]} not found")
            return polled
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
    def _list(self, req: Request, scope: str, base: str) -> Response:
        """Resources - List (By Resource Group) as ARM answers it: tracked resources only (those with a
        location: no proxy children such as queues or containers, no extension resources such as role
        assignments or diagnostic settings), each as a `GenericResourceExpanded` (no `properties`), in pages
        of `store.list_page_size` with a `nextLink` (`$skiptoken`); `$top` caps the total."""
        if req.method != "GET":
            return arm_error(405, "MethodNotAllowed", f"{req.method} on a listing")
        query = {k.lower(): v for k, v in req.query.items()}
        flt = query.get("$filter", "")
        type_match = _FILTER_TYPE.search(flt)
        items = [
            {k: r[k] for k in LISTED_KEYS if r.get(k) is not None}
            for r in self.server.store.list_resources(scope, type_match.group(1) if type_match else None)
            if r.get("location") and r["id"].lower().count("/providers/") == 1
        ]
        tag_match = _FILTER_TAG.search(flt)
        if tag_match:
            name, value = tag_match.group(1), tag_match.group(2)
            items = [r for r in items if name in (r.get("tags") or {}) and (value is None or r["tags"][name] == value)]
        top = query.get("$top", "")
        if top.isdigit():
            items = items[: int(top)]
        skip = query.get("$skiptoken", "")
        offset = int(skip) if skip.isdigit() else 0
        size = self.server.store.list_page_size
        out: dict[str, Any] = {"value": items[offset : offset + size]}
        if offset + size < len(items):
            rest = "&".join(f"{k}={v}" for k, v in req.query.items() if k.lower() != "$skiptoken")
            out["nextLink"] = f"{base}{req.path}?{rest}&$skiptoken={offset + size}"
        return Response(200, out)


class ArmServer(JsonServer):
    """The fake ARM HTTP server; `store` is shared with action plugins."""

    def __init__(
        self, port: int, *, store: ArmStore | None = None, throttle: WriteThrottle | None = None, verbose: bool = False
    ) -> None:
        self.store = store or ArmStore()
        self.throttle = throttle  # None: writes are not throttled (the sandbox's default)
        super().__init__(port, ArmHandler, service="mcctl-arm", reset=self.store.reset, verbose=verbose)


def run_arm(port: int = 0, *, lro_polls: int = 2, verbose: bool = False, **options: Any) -> ServerHandle:
    """Start the fake ARM on 127.0.0.1:port (0 = any free port) in a background thread.

    `options`: `retry_after` (seconds on long-running answers) and `throttle` (a `WriteThrottle`).
    """
    load_plugins()
    store = ArmStore(lro_polls=lro_polls, retry_after=int(options.get("retry_after", 0)))
    return start_in_thread(ArmServer(port, store=store, throttle=options.get("throttle"), verbose=verbose))


def serve(port: int, *, lro_polls: int = 2, throttle: WriteThrottle | None = None, verbose: bool = False) -> None:
    """Run the fake ARM in the foreground until interrupted (`python -m multicloud_ctl.local.arm`)."""
    load_plugins()
    server = ArmServer(port, store=ArmStore(lro_polls=lro_polls), throttle=throttle, verbose=verbose)
    try:
        server.serve_forever()
    finally:
        server.server_close()
