"""Standby HTTP API: every route of the shop API through one catch-all HTTP trigger (routePrefix is "")."""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.azure.api import handle_http


def make_blueprint() -> func.Blueprint:
    """A fresh blueprint (decorated functions belong to one app, so each app gets its own)."""
    bp = func.Blueprint()

    @bp.route(route="{*path}", methods=["GET", "POST", "PUT", "DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
    def api(req: func.HttpRequest) -> func.HttpResponse:
        path = "/" + (req.route_params.get("path") or "")
        status, headers, body = handle_http(req.method, path, dict(req.headers), dict(req.params), req.get_body())
        return func.HttpResponse(body=body, status_code=status, headers=headers)

    return bp
