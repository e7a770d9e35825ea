"""The sandbox's stand-in for the platforms' own function metrics (moto and the fake ARM generate none).

In the cloud, Lambda publishes `AWS/Lambda` Invocations/Errors/Duration per FunctionName and Azure Monitor
records function executions per app by themselves. In the sandbox, `mcctl logs ship` calls
`publish_from_spans`: the hosts' finished server/consumer spans (new since the checkpoint) are aggregated per
service and minute and published the same way (CloudWatch put_metric_data; Azure Monitor custom metrics on
the function app's resource id), so `mcctl metrics` reads them back through the real APIs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.observability.shipper import Checkpoint

EDGE_KINDS = ("server", "consumer")
# Health probes (the load balancer's monitors every few seconds, `mcctl health`) are not the shop's traffic: on a
# quiet sandbox they were most of every service's invocations and hid the real ones (issue 19 item 11). The
# charts and percentiles leave them out; in the cloud the platforms' own counts include them.
PROBE_SPANS = frozenset({"GET /health"})


def is_traffic(span: dict[str, Any]) -> bool:
    """A server or consumer span that is not a health probe."""
    return span.get("kind") in EDGE_KINDS and span.get("name") not in PROBE_SPANS


AZURE_METRICS = ("FunctionExecutionCount", "FunctionErrors", "FunctionExecutionDurationMs")


def site_id(runtime: Runtime, app: str) -> str:
    az = runtime.environment.azure
    return f"/subscriptions/{az.subscription_id}/resourceGroups/{az.resource_group}/providers/Microsoft.Web/sites/{app}"


def _new_spans(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1
    spans = []
    for line in data[:end].decode("utf-8", "replace").splitlines():
        try:
            span = json.loads(line)
        except ValueError:
            continue
        if is_traffic(span):
            spans.append(span)
    return spans, offset + end


def aggregate(spans: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, float]]:
    """(cloud, service, minute) -> count, errors, sum, min, max of durations (ms)."""
    out: dict[tuple[str, str, str], dict[str, float]] = defaultdict(
        lambda: {"count": 0.0, "errors": 0.0, "sum": 0.0, "min": float("inf"), "max": 0.0}
    )
    for s in spans:
        minute = s["start"][:16] + ":00+00:00"
        agg = out[(s.get("cloud", ""), s.get("service", ""), minute)]
        ms = float(s.get("duration_ms") or 0)
        agg["count"] += 1
        agg["errors"] += s.get("status") == "ERROR"
        agg["sum"] += ms
        agg["min"], agg["max"] = min(agg["min"], ms), max(agg["max"], ms)
    return dict(out)


def publish_from_spans(runtime: Runtime, cp: Checkpoint) -> int:
    """Publish what the spans since the checkpoint say; returns the number of (service, minute) points."""
    from multicloud_ctl.operations.observability.traces import span_files
    from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics
    from multicloud_ctl.providers.azure.monitor_metrics import AzureMetrics

    cw = CloudWatchMetrics(runtime.aws.client("cloudwatch"))
    az = AzureMetrics(runtime.azure)
    region = runtime.environment.azure.regions.primary
    points = 0
    for path in span_files(runtime.environment.env_state_dir):
        key = f"spans:{path}"
        spans, end = _new_spans(path, int(cp.data["files"].get(key, 0)))
        for (cloud, service, minute), agg in aggregate(spans).items():
            when = datetime.fromisoformat(minute)
            if cloud == "aws":
                dims = [{"Name": "FunctionName", "Value": service}]
                cw.put(
                    "AWS/Lambda",
                    [
                        {
                            "MetricName": "Invocations",
                            "Dimensions": dims,
                            "Timestamp": when,
                            "Value": agg["count"],
                            "Unit": "Count",
                        },
                        {
                            "MetricName": "Errors",
                            "Dimensions": dims,
                            "Timestamp": when,
                            "Value": agg["errors"],
                            "Unit": "Count",
                        },
                        {
                            "MetricName": "Duration",
                            "Dimensions": dims,
                            "Timestamp": when,
                            "Unit": "Milliseconds",
                            "StatisticValues": {
                                "SampleCount": agg["count"],
                                "Sum": agg["sum"],
                                "Minimum": agg["min"],
                                "Maximum": agg["max"],
                            },
                        },
                    ],
                )
            else:
                rid = site_id(runtime, service)
                n = {"min": agg["count"], "max": agg["count"], "sum": agg["count"], "count": 1}
                e = {"min": agg["errors"], "max": agg["errors"], "sum": agg["errors"], "count": 1}
                d = {"min": agg["min"], "max": agg["max"], "sum": agg["sum"], "count": agg["count"]}
                for metric, values in zip(AZURE_METRICS, (n, e, d), strict=True):
                    az.publish(rid, region, metric, when, values)
            points += 1
        cp.data["files"][key] = end
        cp.save()
    return points
