"""`mcctl metrics` and the dashboard's data: both clouds' function metrics in one table, plus gauges.

Per (cloud, service): invocations and errors from CloudWatch (`AWS/Lambda`, per FunctionName) and Azure
Monitor (per function app), average duration from the same, p50/p99 from the collected spans (the platforms'
own metrics carry no percentiles for Azure Functions). Gauges: queue depth per SQS queue, CDC sync lag, the
last backup's age. Every call is a read, made through the provider clients (`providers/aws/cloudwatch_metrics.py`,
`providers/aws/sqs.py`, `providers/azure/monitor_metrics.py`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import McctlError

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _aws_functions(runtime: Runtime, start: Any, end: Any) -> dict[str, dict[str, Any]]:
    from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics

    cw = CloudWatchMetrics(runtime.aws.client("cloudwatch"))
    names = cw.dimension_values("AWS/Lambda", "Invocations", "FunctionName")
    out = {}
    for name in names:
        dims = {"FunctionName": name}
        series = cw.statistic("AWS/Lambda", "Invocations", dims, start=start, end=end, period=60)
        errors = cw.statistic("AWS/Lambda", "Errors", dims, start=start, end=end, period=60)
        avg = cw.statistic("AWS/Lambda", "Duration", dims, start=start, end=end, period=60, statistic="Average")
        calls = sum(p.value for p in series)
        out[name] = {
            "invocations": calls,
            "errors": sum(p.value for p in errors),
            "avg_ms": (sum(p.value for p in avg) / len(avg)) if avg else None,
            "series": [(iso(p.timestamp), p.value) for p in series],
        }
    return out


def _azure_functions(runtime: Runtime, services: set[str], start: Any, end: Any) -> dict[str, dict[str, Any]]:
    from multicloud_ctl.errors import NotFound
    from multicloud_ctl.operations.observability.platform_metrics import AZURE_METRICS, site_id
    from multicloud_ctl.providers.azure.monitor_metrics import AzureMetrics

    az = AzureMetrics(runtime.azure)
    out = {}
    for app in sorted(set(runtime.environment.azure.function_apps) | services):
        try:
            got = az.get(site_id(runtime, app), list(AZURE_METRICS), start, end)
        except NotFound:
            continue
        count = got.get("FunctionExecutionCount", [])
        if not count:
            continue
        duration = got.get("FunctionExecutionDurationMs", [])
        total_ms, samples = sum(p["total"] for p in duration), sum(p["count"] for p in duration)
        out[app] = {
            "invocations": sum(p["total"] for p in count),
            "errors": sum(p["total"] for p in got.get("FunctionErrors", [])),
            "avg_ms": total_ms / samples if samples else None,
            "series": [(p["timeStamp"], p["total"]) for p in count],
        }
    return out


def _span_durations(runtime: Runtime, start: Any) -> dict[tuple[str, str], list[float]]:
    from multicloud_ctl.operations.observability.platform_metrics import is_traffic
    from multicloud_ctl.operations.observability.traces import iter_spans, span_files

    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    cutoff = start.isoformat()
    for span in iter_spans(span_files(runtime.environment.env_state_dir)):
        if is_traffic(span) and span.get("start", "") >= cutoff:
            out[(span.get("cloud", ""), span.get("service", ""))].append(float(span.get("duration_ms") or 0))
    return out


def _gauges(runtime: Runtime) -> list[dict[str, Any]]:
    from multicloud_ctl.providers.aws.sqs import SqsQueues

    env = runtime.environment
    sqs = SqsQueues(runtime.aws)
    rows = []
    for logical in ("orders", "payments", "notifications", "analytics"):
        name = getattr(env.aws.queues, logical)
        try:
            queue = sqs.depth(name)
            depth: float | None = None if queue is None else float(queue.messages)
        except McctlError:
            depth = None
        rows.append({"gauge": f"queue depth {name}", "cloud": "aws", "value": depth, "unit": "messages"})
    rows.append({"gauge": "sync lag", "cloud": "both", "value": _safe(lambda: _sync_lag(runtime)), "unit": "s"})
    rows.append(
        {"gauge": "backup age (daily)", "cloud": "both", "value": _safe(lambda: _backup_age(runtime)), "unit": "s"}
    )
    return rows


def _sync_lag(runtime: Runtime) -> float | None:
    from multicloud_ctl.operations.sync import sync_lag_seconds

    return sync_lag_seconds(runtime)


def _backup_age(runtime: Runtime) -> float | None:
    from multicloud_ctl.operations.backup.status import last_backup_age_seconds

    return last_backup_age_seconds(runtime, "daily")


def _safe(fn: Any) -> float | None:
    try:
        value = fn()
    except Exception:  # a gauge that cannot be read shows as unknown, the table still prints
        return None
    return None if value is None or value == float("inf") else round(float(value), 1)


def collect(runtime: Runtime, since: timedelta, service: str | None = None) -> dict[str, Any]:
    """{"functions": [...rows...], "gauges": [...], "window": {...}} over the last `since`."""
    end = runtime.clock()
    start = end - since
    durations = _span_durations(runtime, start)
    aws = _aws_functions(runtime, start, end)
    azure = _azure_functions(runtime, {s for (c, s) in durations if c == "azure"}, start, end)
    rows = []
    for cloud, table in (("aws", aws), ("azure", azure)):
        for name, m in sorted(table.items()):
            if service and name != service:
                continue
            spans = durations.get((cloud, name), [])
            rows.append(
                {
                    "cloud": cloud,
                    "service": name,
                    "invocations": m["invocations"],
                    "errors": m["errors"],
                    "avg_ms": _round(m["avg_ms"]),
                    "p50_ms": _round(percentile(spans, 0.5)),
                    "p99_ms": _round(percentile(spans, 0.99)),
                    "series": m["series"],
                }
            )
    return {
        "window": {"start": iso(start), "end": iso(end)},
        "functions": rows,
        "gauges": _gauges(runtime),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
