"""The Azure standby HTTP API as a plain callable (no azure.functions import): the same routes and domain code
as the Lambda side, served from Azure SQL (MCCTL_FN_CLOUD=azure, MCCTL_FN_STORE=sql by default)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from multicloud_ctl.functions.http.routes import dispatch
from multicloud_ctl.functions.http.types import HttpRequest, HttpResponse, ok
from multicloud_ctl.functions.wiring import services

log = logging.getLogger(__name__)


def handle(req: HttpRequest) -> HttpResponse:
    """Answer one request with the process-wide services."""
    try:
        svc = services()
    except Exception:
        log.exception("configuration error")
        return ok({"error": "service misconfigured"}, 500)
    return dispatch(svc, req)


def handle_http(
    method: str,
    path: str,
    headers: Mapping[str, str] | None,
    query: Mapping[str, str] | None,
    body: str | bytes | None,
) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) for one HTTP request: the entry point of local hosts and function_app."""
    resp = handle(HttpRequest.build(method, path, headers, query, body))
    return resp.status, dict(resp.headers), resp.body
