"""`mcctl logs query`: the central store (Log Analytics) or CloudWatch directly, both clouds merged in time order.

Filters: service, trace id, order id, a time window (`--since 1h`), a case-insensitive substring. The central
store gets them as KQL; CloudWatch is read with filter_log_events and filtered here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.observability import LogShipping
    from multicloud_ctl.engine.runtime import Runtime

COLUMNS = ("timestamp", "cloud", "service", "level", "trace_id", "order_id", "message")


def parse_since(text: str) -> timedelta:
    """A `--since` window (the one duration grammar: `multicloud_ctl/durations.py`)."""
    from multicloud_ctl.durations import parse_duration

    return parse_duration(text, "--since")


@dataclass(frozen=True)
class LogFilter:
    since: str = "1h"
    service: str | None = None
    trace_id: str | None = None
    order_id: str | None = None
    grep: str | None = None
    after: str | None = None  # ISO timestamp: only lines after it (follow mode)

    def kql(self, table: str) -> str:
        parts = [table]
        delta = parse_since(self.since)
        parts.append(f"where TimeGenerated > ago({int(delta.total_seconds())}s)")
        if self.after:
            parts.append(f"where TimeGenerated > datetime({self.after})")
        for column, value in (("service", self.service), ("trace_id", self.trace_id), ("order_id", self.order_id)):
            if value:
                parts.append(f"where {column} == {json.dumps(value)}")
        if self.grep:
            parts.append(f"where message has {json.dumps(self.grep)}")
        parts.append("order by TimeGenerated asc")
        return " | ".join(parts)

    def matches(self, row: dict[str, Any], now: datetime) -> bool:
        stamp = _when(row)
        if stamp is not None and stamp < now - parse_since(self.since):
            return False
        if self.after and stamp is not None and stamp <= _parse(self.after):
            return False
        for column, value in (("service", self.service), ("trace_id", self.trace_id), ("order_id", self.order_id)):
            if value and str(row.get(column, "")) != value:
                return False
        return not self.grep or self.grep.lower() in str(row.get("message", "")).lower()


def _parse(text: str) -> datetime:
    from datetime import UTC

    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _when(row: dict[str, Any]) -> datetime | None:
    stamp = row.get("TimeGenerated") or row.get("timestamp")
    try:
        return _parse(str(stamp)) if stamp else None
    except ValueError:
        return None


def query_central(runtime: Runtime, spec: LogShipping, flt: LogFilter) -> list[dict[str, Any]]:
    from multicloud_ctl.providers.azure.monitor_logs import LogAnalyticsQuery, query_base

    client = LogAnalyticsQuery(runtime.azure, query_base(runtime.azure))
    return [_shape(r) for r in client.query(spec.workspace_id, flt.kql(spec.table))]


def query_cloudwatch(runtime: Runtime, spec: LogShipping, flt: LogFilter) -> list[dict[str, Any]]:
    from multicloud_ctl.operations.observability.shipper import to_row
    from multicloud_ctl.providers.aws.cloudwatch_logs import CloudWatchLogs

    now = runtime.clock()
    start = int((now - parse_since(flt.since)).timestamp() * 1000)
    cw = CloudWatchLogs(runtime.aws)
    rows = []
    for group in cw.groups(spec.log_group_prefix):
        for event in cw.events(group, start):
            row = to_row(event.message, event.timestamp_ms, f"cloudwatch:{group}")
            if flt.matches(row, now):
                rows.append(_shape(row))
    return merge(rows)


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    out = {c: row.get(c) or "" for c in COLUMNS}
    out["timestamp"] = str(row.get("timestamp") or row.get("TimeGenerated") or "")
    extra = {k: v for k, v in row.items() if k not in COLUMNS and k not in ("TimeGenerated",) and v not in (None, "")}
    return {**out, "extra": extra}


def merge(*sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines of several sources in time order (stable for equal timestamps)."""
    return sorted((r for rows in sources for r in rows), key=lambda r: r.get("timestamp", ""))
