"""The fake Cloudflare API (`/client/v4`): the subset of load balancing and DNS that mcctl uses.

Routes (what the official cloudflare SDK calls):

    /accounts/{account}/load_balancers/monitors[/{id}]          GET POST | GET PUT PATCH DELETE
    /accounts/{account}/load_balancers/pools[/{id}]             GET POST | GET PUT PATCH DELETE
    /accounts/{account}/load_balancers/pools/{id}/health        GET
    /zones/{zone}/load_balancers[/{id}]                         GET POST | GET PUT PATCH DELETE
    /zones/{zone}/dns_records[/{id}]                            GET POST | GET PUT PATCH DELETE
    /accounts/{account}/d1/database                             GET POST       (`d1.py`: the lease store)
    /accounts/{account}/d1/database/{id}/query                  POST
    /user/tokens/verify                                         GET

Answers use Cloudflare's envelope `{"success", "errors": [{"code", "message"}], "messages", "result",
"result_info"}`; every answer carries a `cf-ray` id. Requests need `Authorization: Bearer <token>`
equal to the configured token: missing -> 401, wrong -> 403 (code 10000).

Every POST/PUT/PATCH body is validated against the operation's request schema in Cloudflare's published
OpenAPI document (`openapi.py`, `schemas/`) before the store sees it. A violation is refused with 400 and
the envelope: load balancing answers code 1002 with the field and reason; DNS answers Cloudflare's
`{"code": 1004, "message": "DNS Validation Error", "error_chain": [...]}` (9021 for a bad TTL).

Pool health answers the real shape: `pop_health` maps each PoP that probes the pool (here one, named
`LOCAL_POP`) to `{"healthy", "origins": [{address: {"healthy", "rtt", "failure_reason",
"response_code"}}]}`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.local.edge.openapi import RequestValidator, Violation, default_validator
from multicloud_ctl.local.edge.store import EdgeError, EdgeStore
from multicloud_ctl.local.jsonhttp import Checked, JsonHandler, JsonServer, Request, Response

PREFIX = "/client/v4"
_ROUTES = [
    re.compile(r"/accounts/([^/]+)/load_balancers/(monitors|pools)(?:/([^/]+))?"),
    re.compile(r"/zones/([^/]+)/(load_balancers|dns_records)(?:/([^/]+))?"),
]
_HEALTH = re.compile(r"/accounts/([^/]+)/load_balancers/pools/([^/]+)/health")
_D1 = re.compile(r"/accounts/([^/]+)/d1/database(?:/([^/]+)/query)?")
_SETTING = re.compile(r"/zones/([^/]+)/settings/([^/]+)")
_LIST_FILTERS = {"dns_records": ("name", "type", "content"), "pools": ("monitor",)}
LOCAL_POP = "Sandbox, LCL"  # the one PoP that probes pools here (Cloudflare names PoPs "Amsterdam, NL")


def envelope(result: Any, *, result_info: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def cf_error(status: int, code: int, message: str, **extra: Any) -> Response:
    error = {"code": code, "message": message, **extra}
    return Response(status, {"success": False, "errors": [error], "messages": [], "result": None})


def schema_error(path: str, violations: list[Violation]) -> Response:
    """A 400 for a request body that breaks the operation's schema, in the family's error style."""
    if "/dns_records" in path:
        chain = [{"code": 9021 if v.field == "ttl" else 1004, "message": str(v)} for v in violations]
        return cf_error(400, 1004, "DNS Validation Error", error_chain=chain)
    return cf_error(400, 1002, "; ".join(str(v) for v in violations))


class EdgeApiHandler(JsonHandler):
    """Serves the Cloudflare API subset from the server's `EdgeStore`."""

    request_id_header = "cf-ray"
    server: EdgeApiServer

    def new_request_id(self) -> str:
        return f"{uuid.uuid4().hex[:16]}-LCL"

    def error_response(self, status: int, code: str, message: str) -> Response:
        return cf_error(status, 10000 if status in (401, 403) else 10001 if status == 429 else 10002, message)

    def check(self, req: Request) -> Checked | None:
        """The request body against its operation's schema in Cloudflare's OpenAPI document."""
        if req.method not in ("POST", "PUT", "PATCH") or not req.path.startswith(PREFIX + "/"):
            return None
        path = req.path[len(PREFIX) :].rstrip("/")
        operation = self.server.validator.operation(req.method, path)
        if operation is None:
            return None
        violations = self.server.validator.violations(req.method, path, req.body)
        return Checked(operation, tuple(str(v) for v in violations))

    def route(self, req: Request) -> Response:
        if not req.path.startswith(PREFIX + "/"):
            return cf_error(404, 7000, "No route for that URI")
        auth = req.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return cf_error(401, 10000, "Authentication error")
        if auth[7:].strip() != self.server.token:
            return cf_error(403, 10000, "Authentication error")
        path = req.path[len(PREFIX) :].rstrip("/")
        if req.checked is not None and req.checked.violations:
            violations = self.server.validator.violations(req.method, path, req.body)
            return schema_error(path, violations)
        try:
            return self._route(req, path)
        except EdgeError as exc:
            return cf_error(exc.status, exc.code, exc.message)

    def _route(self, req: Request, path: str) -> Response:
        store = self.server.store
        if path == "/user/tokens/verify" and req.method == "GET":
            return Response(200, envelope({"id": "sandbox", "status": "active"}))
        d1 = _D1.fullmatch(path)
        if d1:
            return self._d1(req, d1.group(1), d1.group(2))
        setting = _SETTING.fullmatch(path)
        if setting:
            return self._setting(req, setting.group(1), setting.group(2))
        health = _HEALTH.fullmatch(path)
        if health and req.method == "GET":
            return Response(200, envelope(pool_health(store, health.group(1), health.group(2))))
        for pattern in _ROUTES:
            match = pattern.fullmatch(path)
            if match:
                scope, kind, item_id = match.groups()
                return self._crud(req, kind, scope, item_id)
        return cf_error(404, 7000, "No route for that URI")

    def _setting(self, req: Request, zone: str, setting: str) -> Response:
        """One zone setting (GET, PATCH `{"value": ...}`): Cloudflare's result shape, the document's default first."""
        settings = self.server.settings
        known = self.server.validator.zone_setting(setting)
        if known is None:
            return cf_error(404, 1003, f"Invalid or missing zone setting: {setting}")
        default = known.default
        if req.method == "PATCH":
            body = req.body if isinstance(req.body, dict) else {}
            settings[(zone, setting)] = (body["value"], default_clock().now().isoformat().replace("+00:00", "Z"))
        elif req.method != "GET":
            return cf_error(405, 10000, f"{req.method} not allowed")
        value, modified = settings.get((zone, setting), (default, None))
        return Response(200, envelope({"id": setting, "value": value, "editable": True, "modified_on": modified}))

    def _d1(self, req: Request, account: str, database: str | None) -> Response:
        d1 = self.server.d1
        body = req.body if isinstance(req.body, dict) else {}
        if database is None and req.method == "GET":
            found = d1.databases(account, req.query.get("name") or None)
            page, per = max(int(req.query.get("page") or 1), 1), max(int(req.query.get("per_page") or 1000), 1)
            chunk = found[(page - 1) * per : page * per]  # the SDK asks for pages until one comes back empty
            info = {"page": page, "per_page": per, "count": len(chunk), "total_count": len(found)}
            return Response(200, envelope(chunk, result_info=info))
        if database is None and req.method == "POST":
            return Response(200, envelope(d1.create(account, str(body["name"]))))
        if database is not None and req.method == "POST":
            params = body.get("params")
            return Response(200, envelope(d1.query(account, database, str(body["sql"]), params)))
        return cf_error(405, 10000, f"{req.method} not allowed")

    def _crud(self, req: Request, kind: str, scope: str, item_id: str | None) -> Response:
        store = self.server.store
        body = req.body if isinstance(req.body, dict) else {}
        if item_id is None:
            if req.method == "GET":
                return self._list(req, kind, scope)
            if req.method == "POST":
                return Response(200, envelope(store.create(kind, scope, body)))
            return cf_error(405, 10000, f"{req.method} not allowed on a collection")
        if req.method == "GET":
            return Response(200, envelope(store.get(kind, scope, item_id)))
        if req.method in ("PUT", "PATCH"):
            return Response(200, envelope(store.update(kind, scope, item_id, body, partial=req.method == "PATCH")))
        if req.method == "DELETE":
            return Response(200, envelope(store.delete(kind, scope, item_id)))
        return cf_error(405, 10000, f"{req.method} not allowed")

    def _list(self, req: Request, kind: str, scope: str) -> Response:
        filters = {}
        for key in _LIST_FILTERS.get(kind, ()):
            value = req.query.get(key) or req.query.get(f"{key}.exact")  # the SDK sends name.exact=...
            if value:
                filters[key] = value
        items = self.server.store.find(kind, scope, filters)
        if kind != "dns_records":
            return Response(200, envelope(items))
        page, per_page = (
            max(int(req.query.get("page") or 1), 1),
            max(int(req.query.get("per_page") or 100), 1),
        )
        chunk = items[(page - 1) * per_page : page * per_page]
        pages = max((len(items) + per_page - 1) // per_page, 1)
        return Response(
            200,
            envelope(
                chunk,
                result_info={
                    "page": page,
                    "per_page": per_page,
                    "count": len(chunk),
                    "total_count": len(items),
                    "total_pages": pages,
                },
            ),
        )


def pool_health(store: EdgeStore, account: str, pool_id: str) -> dict[str, Any]:
    """The pool health document: per PoP (one here, `LOCAL_POP`), the pool's health and each origin's."""
    pool = store.get("pools", account, pool_id)
    origins = [
        {
            o["address"]: {
                "healthy": store.origin_healthy(pool_id, o) and o.get("enabled", True),
                "rtt": "1ms",
                "failure_reason": "No failures",
                "response_code": 200,
            }
        }
        for o in pool["origins"]
    ]
    pop = {"healthy": store.pool_healthy(pool_id), "origins": origins}
    return {"pool_id": pool_id, "pop_health": {LOCAL_POP: pop}}


class EdgeApiServer(JsonServer):
    """The fake Cloudflare API server; `store` is the object the request proxy shares."""

    def __init__(
        self,
        port: int,
        *,
        token: str,
        store: EdgeStore | None = None,
        validator: RequestValidator | None = None,
        verbose: bool = False,
    ) -> None:
        if not token:
            raise ValueError("the edge API needs a token (Authorization: Bearer ...)")
        from multicloud_ctl.local.edge.d1 import D1Store

        self.store = store or EdgeStore()
        self.d1 = D1Store()
        self.validator = validator or default_validator()
        self.token = token
        self.settings: dict[tuple[str, str], tuple[Any, str | None]] = {}  # (zone, setting) -> value, modified

        def reset() -> None:
            self.store.reset()
            self.d1.reset()
            self.settings.clear()

        super().__init__(port, EdgeApiHandler, service="mcctl-edge-api", reset=reset, verbose=verbose)
