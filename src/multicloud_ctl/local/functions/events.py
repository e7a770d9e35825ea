"""HTTP request <-> API Gateway REST (v1) proxy event, as API Gateway's Lambda proxy integration does.

The event carries both `headers`/`queryStringParameters` (last value wins) and their `multiValue*` forms,
the raw path, a `requestContext` with a request id, stage and source IP, and the body as text (base64 with
`isBase64Encoded` when it is not UTF-8), so a handler sees what it would see behind the real API.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from multicloud_ctl.engine.clock import default_clock

STAGE = "local"


def proxy_event(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
    account_id: str = "123456789012",
    request_id: str | None = None,
) -> dict[str, Any]:
    """The REST v1 proxy event for one HTTP request (`target` is the request line's path?query)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    rid = request_id or str(uuid.uuid4())
    now_ms = int(default_clock().timestamp() * 1000)
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method.upper(),
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": rid,
            "extendedRequestId": rid,
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": now_ms,
            "domainName": "127.0.0.1",
            "apiId": "mcctl-local",
            "identity": {"sourceIp": source_ip, "userAgent": _get(headers, "user-agent")},
        },
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


def _get(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def proxy_response(result: Mapping[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body bytes) of a Lambda proxy result; malformed: 502, as on API Gateway."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        return 502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(v)) for v in values]
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return int(result["statusCode"]), headers, body
