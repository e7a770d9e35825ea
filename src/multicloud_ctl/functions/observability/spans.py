"""Spans at the functions' edges and W3C Trace Context propagation over HTTP and bus messages.

Incoming: `server_span` (HTTP; parent from the `traceparent` header) and `consumer_span` (a bus message; parent
from SQS message attributes or Service Bus application properties). Outgoing: `producer_span` wraps a send
and yields the carrier to attach (`sqs_attributes(carrier)` for SQS, the dict itself for Service Bus), and
`trace_headers()` gives the headers for a synchronous call to the other cloud. Each edge also writes one
JSON log line (the access/processing record) so every hop shows up in the central log store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from multicloud_ctl.functions.observability.context import bind, current_ids, set_field
from multicloud_ctl.functions.observability.setup import enabled, ensure

log = logging.getLogger("mcctl.functions")
SERVICE_BY_PREFIX = {
    "products": "product-service",
    "inventory": "inventory-service",
    "orders": "order-service",
    "users": "user-service",
    "payments": "payment-processor",
}
SERVICE_BY_QUEUE = {
    "orders": "payment-processor",
    "notifications": "notification-service",
    "analytics": "analytics-processor",
    "payments": "order-service",
}
TRACE_KEYS = ("traceparent", "tracestate")
_cache: dict[str, Any] = {}


def _propagator() -> Any:
    found = _cache.get("propagator")
    if found is None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        found = _cache["propagator"] = TraceContextTextMapPropagator()
    return found


def _tracer() -> Any:
    """The functions' tracer (cached: get_tracer builds a new Tracer object on every call)."""
    tracer = _cache.get("tracer")
    if tracer is None:
        from opentelemetry import trace

        tracer = _cache["tracer"] = trace.get_tracer("mcctl.functions")
    return tracer


def service_for_path(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return SERVICE_BY_PREFIX.get(first, first or "api")


@dataclass
class ServerSpan:
    """Handle of an HTTP server span: `finish(status, order_id)` records the outcome."""

    span: Any = None
    status: int = 0

    def finish(self, status: int, order_id: str = "") -> None:
        self.status = status
        set_field("order_id", order_id)
        if self.span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        self.span.set_attribute("http.response.status_code", status)
        if order_id:
            self.span.set_attribute("mcctl.order_id", order_id)
        if status >= 500:
            self.span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))

    def traceresponse(self) -> str:
        trace_id, span_id = current_ids()
        return f"00-{trace_id}-{span_id}-01" if trace_id else ""


@contextmanager
def server_span(cloud: str, method: str, path: str, headers: Mapping[str, str]) -> Iterator[ServerSpan]:
    """The SERVER span of one HTTP request (continues the caller's trace when it sent `traceparent`)."""
    service = service_for_path(path)
    if not enabled():
        yield ServerSpan()
        return
    ensure(cloud)
    from opentelemetry.trace import SpanKind

    carrier = {k.lower(): v for k, v in headers.items() if k.lower() in TRACE_KEYS}
    started = time.perf_counter()
    first = path.strip("/").split("/", 1)[0]
    attrs = {"mcctl.service": service, "http.request.method": method, "url.path": path, "cloud.provider": cloud}
    with (
        bind(service=service),
        _tracer().start_as_current_span(
            f"{method} /{first}", context=_propagator().extract(carrier), kind=SpanKind.SERVER, attributes=attrs
        ) as span,
    ):
        handle = ServerSpan(span)
        try:
            yield handle
        finally:
            log.info(
                "%s %s -> %s",
                method,
                path,
                handle.status or 500,
                extra={
                    "http_status": handle.status or 500,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )


def carrier_from_sqs(attributes: Mapping[str, Any] | None) -> dict[str, str]:
    """traceparent/tracestate from SQS MessageAttributes (boto3 `StringValue` or Lambda `stringValue`)."""
    out = {}
    for key in TRACE_KEYS:
        value = (attributes or {}).get(key) or {}
        text = value.get("StringValue") or value.get("stringValue") if isinstance(value, Mapping) else None
        if text:
            out[key] = str(text)
    return out


def _order_id(body: Mapping[str, Any]) -> str:
    data = body.get("data")
    nested = data.get("order_id") if isinstance(data, Mapping) else None
    return str(nested or body.get("order_id") or "")


@contextmanager
def consumer_span(cloud: str, queue: str, carrier: Mapping[str, str], body: Mapping[str, Any]) -> Iterator[None]:
    """The CONSUMER span of processing one bus message (a child of the span that sent it)."""
    service = SERVICE_BY_QUEUE.get(queue, queue)
    order_id = _order_id(body)
    if not enabled():
        yield
        return
    ensure(cloud)
    from opentelemetry.trace import SpanKind, Status, StatusCode

    started = time.perf_counter()
    attrs = {
        "mcctl.service": service,
        "messaging.destination.name": queue,
        "cloud.provider": cloud,
        "mcctl.event_type": str(body.get("type", "")),
        "mcctl.order_id": order_id,
    }
    with (
        bind(service=service, order_id=order_id),
        _tracer().start_as_current_span(
            f"process {queue}",
            context=_propagator().extract(dict(carrier)),
            kind=SpanKind.CONSUMER,
            attributes=attrs,
            record_exception=True,
            set_status_on_exception=False,
        ) as span,
    ):
        outcome = "failed"
        try:
            yield
            outcome = "completed"
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"[:300]))
            raise
        finally:
            log.info(
                "message from %s %s (%s)",
                queue,
                outcome,
                body.get("type", "?"),
                extra={
                    "queue": queue,
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )


@contextmanager
def producer_span(queue: str) -> Iterator[dict[str, str]]:
    """A PRODUCER span around sending to `queue`; yields the trace carrier to attach to the message."""
    carrier: dict[str, str] = {}
    if not enabled():
        yield carrier
        return
    from opentelemetry.trace import SpanKind

    with _tracer().start_as_current_span(
        f"send {queue}", kind=SpanKind.PRODUCER, attributes={"messaging.destination.name": queue}
    ):
        _propagator().inject(carrier)
        yield carrier


def sqs_attributes(carrier: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The carrier as SQS MessageAttributes."""
    return {k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}


def sqs_trace_attributes() -> dict[str, dict[str, str]]:
    """The current trace context as SQS MessageAttributes (empty when tracing is off)."""
    return sqs_attributes(trace_headers())


def trace_properties() -> dict[str, str]:
    """The current trace context as Service Bus application properties."""
    return trace_headers()


def trace_headers() -> dict[str, str]:
    """`traceparent` (+ `tracestate`) of the current span, for an outgoing HTTP call."""
    if not enabled():
        return {}
    carrier: dict[str, str] = {}
    _propagator().inject(carrier)
    return carrier
