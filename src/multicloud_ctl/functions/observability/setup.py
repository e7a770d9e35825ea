"""Process-wide set-up of JSON logging and the OpenTelemetry tracer provider (idempotent, thread-safe)."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

from multicloud_ctl.functions.observability.jsonlog import JsonFormatter

_lock = threading.Lock()
_done: dict[str, bool] = {}
HANDLER_NAME = "mcctl-json"
EDGE_LOGGER = "mcctl.functions"


def ensure(cloud: str) -> None:
    """`setup` from the environment alone (an edge reached before the services were built)."""
    if not _done.get("setup"):
        region = os.environ.get("MCCTL_FN_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
        setup(cloud, region)


def enabled() -> bool:
    """Observability on (MCCTL_FN_OBSERVABILITY != 0) and the OpenTelemetry SDK importable.

    A package built without opentelemetry-api/-sdk still runs: plain logging, no spans."""
    if os.environ.get("MCCTL_FN_OBSERVABILITY", "1").strip() in ("0", "false", "no"):
        return False
    if "otel" not in _done:
        import importlib.util

        _done["otel"] = importlib.util.find_spec("opentelemetry.sdk") is not None
    return _done["otel"]


def setup(cloud: str, region: str, service: str | None = None) -> None:
    """JSON logs on stderr (+ MCCTL_FN_LOG_FILE) and a tracer provider (+ MCCTL_FN_TRACE_FILE exporter)."""
    if _done.get("setup") or not enabled():
        return
    if cloud == "azure":  # the Functions host names its region; MCCTL_FN_REGION is the AWS one
        region = os.environ.get("REGION_NAME") or region
    with _lock:
        if _done.get("setup"):
            return
        service = service or f"mcctl-functions-{cloud}"
        _setup_logging(cloud, region, service)
        _setup_tracing(cloud, region, service)
        _done["setup"] = True  # only now: other threads wait on the lock until the provider is in place


def _setup_logging(cloud: str, region: str, service: str) -> None:
    root = logging.getLogger()
    fmt = JsonFormatter(cloud, region, service)
    for handler in list(root.handlers):  # the platform's plain handlers become JSON ones
        if handler.get_name() != HANDLER_NAME:
            handler.setFormatter(fmt)
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        stream.set_name(HANDLER_NAME)
        root.addHandler(stream)
    path = os.environ.get("MCCTL_FN_LOG_FILE", "").strip()
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(path, encoding="utf-8")
        file_handler.setFormatter(fmt)
        # buffered: a flush (a syscall) per line costs more than the rest of the logging; warnings and errors
        # flush at once, the rest at least every half second
        buffered = logging.handlers.MemoryHandler(256, flushLevel=logging.WARNING, target=file_handler)
        buffered.set_name(HANDLER_NAME)
        buffered.addFilter(lambda record: bool(fmt.format(record)))  # format now: the trace context is ours now
        root.addHandler(buffered)
        threading.Thread(target=_flush_every, args=(buffered, 0.5), daemon=True, name="mcctl-log-flush").start()
        edge_handler: logging.Handler = buffered
    else:
        edge_handler = logging.StreamHandler(sys.stdout)  # Lambda and Functions capture stdout
        edge_handler.setFormatter(fmt)
    # the per-request/per-message lines go only to the log sink, not to every handler of the root logger
    edge = logging.getLogger(EDGE_LOGGER)
    edge.propagate = False
    edge.setLevel(logging.INFO)
    edge.addHandler(edge_handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def _flush_every(handler: logging.Handler, seconds: float) -> None:
    stop = threading.Event()
    while not stop.wait(seconds):
        handler.flush()


def _setup_tracing(cloud: str, region: str, service: str) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from multicloud_ctl.functions.observability.exporter import JsonLinesSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "cloud.provider": cloud, "cloud.region": region})
    )
    path = os.environ.get("MCCTL_FN_TRACE_FILE", "").strip()
    if path:
        provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(Path(path)), schedule_delay_millis=200))
    trace.set_tracer_provider(provider)
