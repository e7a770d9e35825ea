"""The API both clouds serve (AWS primary from DynamoDB, Azure standby from Azure SQL): one route table.

Auth per route: `public`, `user` (Cognito JWT in `Authorization: Bearer`), `service` (X-Api-Key, current or
previous key), `user|service` (either). `/payments/{order_id}` is the Azure side's service endpoint that the
AWS side calls synchronously for `/orders/{id}/payment`.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from multicloud_ctl.functions.domain.errors import Invalid, NotFound, Unauthorized, Unavailable
from multicloud_ctl.functions.domain.users import Identity
from multicloud_ctl.functions.http.types import HttpRequest, HttpResponse, error_response, ok
from multicloud_ctl.functions.observability import trace_headers


@dataclass(frozen=True)
class Caller:
    user: Identity | None = None
    service: bool = False


Handler = Callable[[Any, HttpRequest, dict[str, str], Caller], HttpResponse]
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []


def route(method: str, pattern: str, auth: str = "public") -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[A-Za-z0-9._:-]{1,128})", pattern) + "$")

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, regex, auth, fn))
        return fn

    return register


def authenticate(svc: Any, req: HttpRequest, auth: str) -> Caller:
    if auth == "public":
        return Caller()
    if "service" in auth and req.header("x-api-key"):
        svc.api_keys.check(req.header("x-api-key"))
        return Caller(service=True)
    if "user" in auth and svc.verifier is not None:
        return Caller(user=svc.verifier.identity(req.header("authorization")))
    raise Unauthorized("unauthorized")


def dispatch(svc: Any, req: HttpRequest) -> HttpResponse:
    """Answer one request inside its server span (trace context from `traceparent`; `traceresponse` back)."""
    from contextlib import suppress
    from dataclasses import replace

    from multicloud_ctl.functions.observability import server_span

    with server_span(svc.cfg.cloud, req.method, req.path, req.headers) as span:
        resp = _dispatch(svc, req)
        order_id = ""
        if req.path.startswith("/orders") and resp.body[:1] == "{":
            with suppress(ValueError, AttributeError):
                order_id = str(json.loads(resp.body).get("order_id") or "")
        span.finish(resp.status, order_id)
        trace_response = span.traceresponse()
    if not trace_response:
        return resp
    return replace(resp, headers={**resp.headers, "traceresponse": trace_response})


def _dispatch(svc: Any, req: HttpRequest) -> HttpResponse:
    """Answer one request: 404/405 for unknown routes, the mapped error for any failure."""
    try:
        allowed = []
        for method, regex, auth, fn in ROUTES:
            match = regex.match(req.path)
            if not match:
                continue
            if method != req.method:
                allowed.append(method)
                continue
            caller = authenticate(svc, req, auth)
            return fn(svc, req, match.groupdict(), caller)
        if allowed:
            return ok({"error": "method not allowed"}, 405, allow=", ".join(sorted(set(allowed))))
        raise NotFound(f"no route for {req.path}")
    except Exception as exc:
        return error_response(exc)


def _limit(req: HttpRequest) -> int:
    try:
        return int(req.query.get("limit", "20"))
    except ValueError:
        raise Invalid("limit: must be an integer") from None


@route("GET", "/health")
def health(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    """Liveness; `?deep=1` also reads the store (what failover preflight and load-balancer monitors want)."""
    if req.query.get("deep") not in ("1", "true"):
        return ok({"status": "ok", "cloud": svc.cfg.cloud})
    checks: dict[str, str] = {}
    try:
        svc.stores["products"].list(None, 1, None)
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"failed: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "cloud": svc.cfg.cloud,
        "store": svc.cfg.store,
        "checks": checks,
    }
    return ok(body, 200 if healthy else 503)


# --- products ---
@route("GET", "/products")
def list_products(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    page = svc.products.list(req.query.get("category") or None, _limit(req), req.query.get("cursor") or None)
    return ok({"items": [x.to_dict() for x in page.items], "cursor": page.cursor})


@route("POST", "/products", "service")
def create_product(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    product = svc.products.create(req.json())
    return ok(product.to_dict(), 201, location=f"/products/{product.product_id}")


@route("GET", "/products/{id}")
def get_product(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.products.get(p["id"]).to_dict())


@route("PUT", "/products/{id}", "service")
def update_product(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.products.update(p["id"], req.json()).to_dict())


@route("DELETE", "/products/{id}", "service")
def delete_product(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    svc.products.delete(p["id"])
    return HttpResponse(204, {}, "")


@route("POST", "/products/{id}/image-upload-url", "service")
def image_upload_url(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    content_type = req.json().get("content_type") or req.query.get("content_type") or "image/jpeg"
    return ok(svc.products.image_upload_url(p["id"], str(content_type)))


@route("GET", "/products/{id}/image-url")
def image_url(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.products.image_download_url(p["id"]))


# --- inventory ---
@route("GET", "/inventory/{product_id}")
def get_stock(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.inventory.get(p["product_id"]).to_dict())


@route("PUT", "/inventory/{product_id}", "service")
def set_stock(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.inventory.set_level(p["product_id"], req.json().get("available")).to_dict())


@route("POST", "/inventory/{product_id}/reserve", "service")
def reserve(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.inventory.reserve(p["product_id"], req.json().get("quantity")).to_dict())


@route("POST", "/inventory/{product_id}/release", "service")
def release(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.inventory.release(p["product_id"], req.json().get("quantity")).to_dict())


# --- orders ---
@route("POST", "/orders", "user")
def place_order(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    assert c.user is not None
    email, phone = _contact(svc, c.user, req)
    placed = svc.orders.place(c.user.sub, email, _order_body(req), req.header("idempotency-key"), phone=phone)
    order = placed.order.to_dict()
    if placed.replayed:
        return ok(order, 200, idempotent_replayed="true")
    return ok(order, 201, location=f"/orders/{placed.order.order_id}")


def _contact(svc: Any, user: Identity, req: HttpRequest) -> tuple[str, str]:
    """(e-mail, phone) for notifications: the token's e-mail, else the profile's, else the order's; the
    profile's phone (SMS)."""
    profile = svc.stores["users"].get(user.sub)
    email = user.email or (profile.email if profile else "") or str(req.json().get("email") or "")
    return email, profile.phone if profile else ""


def _order_body(req: HttpRequest) -> dict[str, Any]:
    body = req.json()
    body.pop("email", None)
    return body


@route("GET", "/orders/{id}", "user|service")
def get_order(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.orders.get(p["id"], user_id=None if c.service else c.user.sub).to_dict())  # type: ignore[union-attr]


@route("PUT", "/orders/{id}/status", "service")
def set_order_status(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.orders.set_status(p["id"], req.json().get("status")).to_dict())


@route("GET", "/orders/{id}/payment", "user")
def order_payment(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    """The payment of the caller's order, asked synchronously from the Azure side (service API key)."""
    order = svc.orders.get(p["id"], user_id=c.user.sub)  # type: ignore[union-attr]
    if not svc.cfg.peer_api_url:
        raise Unavailable("the payment service is not configured")
    call = urllib.request.Request(
        f"{svc.cfg.peer_api_url}/payments/{order.order_id}",
        headers={"x-api-key": svc.api_keys.outbound, "accept": "application/json", **trace_headers()},
    )
    try:
        with urllib.request.urlopen(call, timeout=5) as resp:
            return ok(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFound(f"no payment yet for order {order.order_id}") from None
        raise Unavailable("the payment service failed") from None
    except OSError:
        raise Unavailable("the payment service is unreachable") from None


# --- users ---
@route("GET", "/users/me", "user")
def get_me(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.users.me(c.user).to_dict())


@route("PUT", "/users/me", "user")
def put_me(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    return ok(svc.users.update_me(c.user, req.json()).to_dict())


# --- payments (Azure side, service to service) ---
@route("GET", "/payments/{order_id}", "service")
def get_payment(svc: Any, req: HttpRequest, p: dict[str, str], c: Caller) -> HttpResponse:
    tx = svc.payments.transactions.get(p["order_id"])
    if tx is None:
        raise NotFound(f"no payment for order {p['order_id']}")
    return ok(asdict(tx))
