"""Cloud-neutral HTTP request and response, plus the JSON and error conventions of the API.

A JSON body is untrusted: one declared as another media type (`text/plain`) is refused with 415, and one nested
deeper than `MAX_JSON_DEPTH` with 400 (a 100,000-deep array once overflowed the decoder's recursion: a 500).
A body without a `Content-Type` is read as JSON, as API Gateway and Functions hand it over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from multicloud_ctl.functions.domain.errors import DomainError, Invalid, Unauthorized, UnsupportedMediaType

log = logging.getLogger(__name__)
JSON = {"content-type": "application/json"}
MAX_JSON_DEPTH = 32  # the API's documents nest 3 levels (an order's lines); 32 leaves room and refuses bombs


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    query: Mapping[str, str] = field(default_factory=dict)
    body: str = ""

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        body: str | bytes | None = None,
    ) -> HttpRequest:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        return cls(
            method.upper(),
            "/" + path.strip("/"),
            {k.lower(): v for k, v in (headers or {}).items()},
            dict(query or {}),
            text,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (400 otherwise, 415 when declared as another media type); empty is {}."""
        if not self.body.strip():
            return {}
        media = (self.header("content-type") or "").split(";", 1)[0].strip().lower()
        if media and media != "application/json" and not media.endswith("+json"):
            raise UnsupportedMediaType(f"body: content-type {media!r} is not JSON; send application/json")
        too_deep = Invalid(f"body: nested more than {MAX_JSON_DEPTH} levels")
        try:
            value = json.loads(self.body)
        except RecursionError:
            raise too_deep from None
        except ValueError:
            raise Invalid("body: not valid JSON") from None
        if not isinstance(value, dict):
            raise Invalid("body: must be a JSON object")
        if _nested_deeper_than(value, MAX_JSON_DEPTH):
            raise too_deep
        return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=lambda: dict(JSON))
    body: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def ok(data: Any, status: int = 200, **headers: str) -> HttpResponse:
    return HttpResponse(
        status,
        {**JSON, **{k.replace("_", "-"): v for k, v in headers.items()}},
        json.dumps(data, sort_keys=True, default=str),
    )


def error_response(exc: BaseException) -> HttpResponse:
    """The response for a failure: domain errors show their message, except 401 and anything unexpected."""
    if isinstance(exc, Unauthorized):
        return ok({"error": "unauthorized"}, 401, www_authenticate="Bearer")
    if isinstance(exc, DomainError):
        if exc.status >= 500:
            log.warning("request failed: %s", exc)
        return ok({"error": str(exc)}, exc.status)
    log.exception("unhandled error", exc_info=exc)
    return ok({"error": "internal error"}, 500)
