"""Per-request log context (service, order id) in contextvars, and the current trace id from OpenTelemetry."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("mcctl_log_fields", default=None)


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add fields (service, order_id...) to every log line written inside the block."""
    token = _fields.set({**(_fields.get() or {}), **{k: v for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _fields.reset(token)


def set_field(name: str, value: Any) -> None:
    """Set one field for the rest of the current block (e.g. the order id once it is known)."""
    if value not in (None, ""):
        _fields.set({**(_fields.get() or {}), name: value})


def fields() -> dict[str, Any]:
    return _fields.get() or {}


def current_ids() -> tuple[str, str]:
    """(trace id, span id) in hex of the active span, or ("", "")."""
    try:
        from opentelemetry import trace
    except ImportError:  # the package is optional at runtime
        return "", ""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def current_trace_id() -> str:
    return current_ids()[0]
