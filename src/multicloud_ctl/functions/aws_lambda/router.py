"""One entry point for every API Gateway event: dispatches by path prefix to the owning service's handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multicloud_ctl.functions.aws_lambda import (
    inventory_service,
    order_service,
    product_service,
    user_service,
)
from multicloud_ctl.functions.aws_lambda.apigw import serve

SERVICES = {
    "products": product_service.handler,
    "inventory": inventory_service.handler,
    "orders": order_service.handler,
    "users": user_service.handler,
}


def route(event: Mapping[str, Any]) -> dict[str, Any]:
    """The {statusCode, headers, body} answer for any API Gateway REST v1 proxy event."""
    first = str(event.get("path") or "/").strip("/").split("/", 1)[0]
    handler = SERVICES.get(first)
    return handler(event, None) if handler else serve(event, None)


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """A single Lambda serving the whole API (the sandbox host and small deployments)."""
    return route(event)
