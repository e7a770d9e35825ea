"""Fake Azure Monitor metrics on the fake ARM.

- `POST {resourceId}/metrics`: Azure Monitor's custom-metrics ingestion body
  (`{"time", "data": {"baseData": {"metric", "namespace", "dimNames", "series": [{"dimValues", "min", "max",
  "sum", "count"}]}}}`) -> 200. The sandbox's platform stand-in publishes the functions' figures this way.
- `GET {resourceId}/providers/Microsoft.Insights/metrics?metricnames=a,b&timespan=start/end&interval=PT1M`:
  the metrics REST answer (`value[].name.value`, `unit`, `timeseries[].data[]` with `timeStamp`, `total`,
  `count`, `average`, `minimum`, `maximum`), one point per interval that has data.
Points are kept in the shared store (under `/monitor/points`), so `/_admin/reset` clears them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

RID = r"(?P<rid>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/[^/]+/[^/]+/[^/]+)"
TYPE = "Microsoft.Insights/customMetricPoints"


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@action("POST", RID + r"/metrics")
def ingest(ctx: ActionContext) -> Response:
    body = ctx.request.body if isinstance(ctx.request.body, dict) else {}
    base = ((body.get("data") or {}).get("baseData")) or {}
    if not body.get("time") or not base.get("metric") or not base.get("series"):
        return Response(400, {"error": {"code": "InvalidPayload", "message": "time, metric and series are required"}})
    rid = ctx.match["rid"].lower()
    for series in base["series"]:
        point = {
            "time": body["time"],
            "metric": base["metric"],
            "namespace": base.get("namespace", ""),
            **{k: float(series.get(k, 0)) for k in ("min", "max", "sum", "count")},
        }
        ctx.store.put_resource(f"/monitor/points{rid}/{uuid.uuid4().hex}", TYPE, {"properties": point})
    return Response(200, {})


@action("GET", RID + r"/providers/microsoft\.insights/metrics")
def metrics(ctx: ActionContext) -> Response:
    names = [n for n in ctx.request.query.get("metricnames", "").split(",") if n]
    start_text, _, end_text = ctx.request.query.get("timespan", "").partition("/")
    start = _time(start_text) if start_text else datetime.min.replace(tzinfo=UTC)
    end = _time(end_text) if end_text else datetime.max.replace(tzinfo=UTC)
    points = [r["properties"] for r in ctx.store.list_resources(f"/monitor/points{ctx.match['rid'].lower()}", TYPE)]
    value = []
    for name in names:
        buckets: dict[str, dict[str, float]] = {}
        for p in points:
            when = _time(p["time"])
            if p["metric"] != name or not start <= when < end:
                continue
            key = when.replace(second=0, microsecond=0).isoformat()
            b = buckets.setdefault(key, {"total": 0.0, "count": 0.0, "minimum": p["min"], "maximum": p["max"]})
            b["total"] += p["sum"]
            b["count"] += p["count"]
            b["minimum"], b["maximum"] = min(b["minimum"], p["min"]), max(b["maximum"], p["max"])
        data = [
            {"timeStamp": k, **b, "average": b["total"] / b["count"] if b["count"] else 0.0}
            for k, b in sorted(buckets.items())
        ]
        value.append(
            {
                "id": f"{ctx.match['rid']}/providers/Microsoft.Insights/metrics/{name}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": name},
                "unit": "Milliseconds" if "Duration" in name else "Count",
                "timeseries": [{"data": data}],
            }
        )
    answer: dict[str, Any] = {"timespan": ctx.request.query.get("timespan", ""), "interval": "PT1M", "value": value}
    return Response(200, answer)
