"""A span exporter writing one JSON object per finished span to a file (the sandbox's span collector).

Fields: trace_id, span_id, parent_span_id (hex), name, kind, start/end (UTC ISO-8601), duration_ms,
status (OK | ERROR), error, cloud, region, service (the span's `mcctl.service` attribute, else the resource's
service.name) and the remaining attributes. `mcctl trace show` assembles trees from these files.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode


def _iso(ns: int | None) -> str:
    return datetime.fromtimestamp((ns or 0) / 1e9, UTC).isoformat(timespec="microseconds")


def span_record(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    res = dict(span.resource.attributes) if span.resource else {}
    attrs = dict(span.attributes or {})
    error = span.status.description or "" if span.status.status_code == StatusCode.ERROR else ""
    return {
        "trace_id": f"{ctx.trace_id:032x}" if ctx else "",
        "span_id": f"{ctx.span_id:016x}" if ctx else "",
        "parent_span_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "name": span.name,
        "kind": span.kind.name.lower(),
        "start": _iso(span.start_time),
        "end": _iso(span.end_time),
        "duration_ms": round(((span.end_time or 0) - (span.start_time or 0)) / 1e6, 3),
        "status": "ERROR" if span.status.status_code == StatusCode.ERROR else "OK",
        "error": error,
        "cloud": str(res.get("cloud.provider", "")),
        "region": str(res.get("cloud.region", "")),
        "service": str(attrs.pop("mcctl.service", res.get("service.name", ""))),
        "attributes": {k: v if isinstance(v, str | int | float | bool) else str(v) for k, v in attrs.items()},
    }


class JsonLinesSpanExporter(SpanExporter):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_record(s), default=str) + "\n" for s in spans)
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as fh:
                fh.write(lines)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None
