"""API Gateway REST (v1) proxy events <-> HttpRequest / HttpResponse, and the per-service handler factory."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from typing import Any

from multicloud_ctl.functions.http.routes import dispatch
from multicloud_ctl.functions.http.types import HttpRequest, HttpResponse, ok
from multicloud_ctl.functions.wiring import services

log = logging.getLogger(__name__)


def to_request(event: Mapping[str, Any]) -> HttpRequest:
    """The HttpRequest of a REST v1 proxy event (multi-value headers/query: the last value wins)."""
    headers: dict[str, str] = {}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values:
            headers[name.lower()] = str(values[-1])
    for name, value in (event.get("headers") or {}).items():
        if value is not None:
            headers[name.lower()] = str(value)
    query: dict[str, str] = {}
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        if values:
            query[name] = str(values[-1])
    query.update({k: str(v) for k, v in (event.get("queryStringParameters") or {}).items() if v is not None})
    body = event.get("body") or ""
    if event.get("isBase64Encoded") and body:
        body = base64.b64decode(body).decode("utf-8", "replace")
    return HttpRequest.build(str(event.get("httpMethod") or "GET"), str(event.get("path") or "/"), headers, query, body)


def to_event_response(resp: HttpResponse) -> dict[str, Any]:
    return {
        "statusCode": resp.status,
        "headers": dict(resp.headers),
        "body": resp.body,
        "isBase64Encoded": False,
    }


def serve(event: Mapping[str, Any], prefixes: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Answer one API Gateway event; with `prefixes`, paths outside them are 404 (one service's handler)."""
    try:
        req = to_request(event)
    except Exception:
        return to_event_response(ok({"error": "malformed request"}, 400))
    if (
        prefixes is not None
        and req.path != "/health"
        and not any(req.path == p or req.path.startswith(p + "/") for p in prefixes)
    ):
        return to_event_response(ok({"error": f"no route for {req.path}"}, 404))
    try:
        svc = services()
    except Exception:
        log.exception("configuration error")
        return to_event_response(ok({"error": "service misconfigured"}, 500))
    return to_event_response(dispatch(svc, req))


def service_handler(*prefixes: str) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        return serve(event, prefixes)

    return handler
