"""Assemble one trace from the spans both clouds exported and render it as a tree.

The sandbox's functions write finished spans as JSON lines (functions/observability/exporter.py) under the
state directory (`<state>/**/traces/*.jsonl`, one file per host); `load_trace` reads every file, keeps one
trace id's spans and `build_tree` orders them parent-first (children by start time). A span whose parent is
missing (not exported yet, or recorded elsewhere) is shown as a root so nothing is hidden.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multicloud_ctl.errors import NotFound, UsageError

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class SpanNode:
    span: dict[str, Any]
    children: list[SpanNode] = field(default_factory=list)


def span_files(state_dir: Path) -> list[Path]:
    return sorted(state_dir.rglob("traces/*.jsonl")) if state_dir.exists() else []


def iter_spans(files: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                span = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if isinstance(span, dict) and span.get("trace_id"):
                yield span


def load_trace(state_dir: Path, trace_id: str) -> list[dict[str, Any]]:
    """Every span of `trace_id` (hex, 32 chars; a `traceparent` value is accepted too)."""
    trace_id = normalise(trace_id)
    spans = [s for s in iter_spans(span_files(state_dir)) if s["trace_id"] == trace_id]
    if not spans:
        raise NotFound(
            f"no spans for trace {trace_id} under {state_dir}",
            hint="spans reach the collector ~1 s after the request; check MCCTL_FN_TRACE_FILE",
        )
    return spans


def normalise(trace_id: str) -> str:
    text = trace_id.strip().lower()
    if text.count("-") == 3:  # a whole traceparent / traceresponse header
        text = text.split("-")[1]
    if not TRACE_ID.match(text):
        raise UsageError(f"not a trace id: {trace_id!r}", hint="32 hex characters, e.g. from a traceresponse header")
    return text


def build_tree(spans: list[dict[str, Any]]) -> list[SpanNode]:
    nodes = {s["span_id"]: SpanNode(s) for s in spans}
    roots: list[SpanNode] = []
    for node in sorted(nodes.values(), key=lambda n: n.span.get("start", "")):
        parent = nodes.get(node.span.get("parent_span_id") or "")
        (parent.children if parent else roots).append(node)
    return roots


def flatten(roots: list[SpanNode], depth: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    for node in roots:
        yield depth, node.span
        yield from flatten(node.children, depth + 1)


def summary(spans: list[dict[str, Any]]) -> dict[str, Any]:
    starts = sorted(s["start"] for s in spans)
    ends = sorted(s["end"] for s in spans)
    return {
        "trace_id": spans[0]["trace_id"],
        "spans": len(spans),
        "clouds": sorted({s.get("cloud", "") for s in spans}),
        "services": sorted({s.get("service", "") for s in spans}),
        "errors": sum(s.get("status") == "ERROR" for s in spans),
        "start": starts[0],
        "end": ends[-1],
    }


def rows(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree as rows (depth-first), each span with its depth, for tables and JSON."""
    return [{"depth": depth, **span} for depth, span in flatten(build_tree(spans))]
