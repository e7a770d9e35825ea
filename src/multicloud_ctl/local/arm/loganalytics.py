"""Fake Azure Monitor logs on the fake ARM: the Logs Ingestion API and a queryable Log Analytics store.

- `POST /dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`: a JSON array of rows (gzip when
  `Content-Encoding: gzip`, as azure-monitor-ingestion sends it) -> 204. The stream `Custom-Name` lands in
  the table `Name_CL` (the data collection rule's usual transform); `TimeGenerated` is taken from the row's
  `TimeGenerated` or `timestamp`, else the arrival time. When `{dcr}` is the `immutableId` of a rule
  provisioned on this fake (monitoring.py), a stream the rule does not declare is refused (400
  `InvalidStream`); an id no rule here has is still taken (the sandbox ships before anything is provisioned).
- `POST /loganalytics/v1/workspaces/{ws}/query` with `{"query": KQL}`: the Log Analytics query API's answer
  (`{"tables": [{"name": "PrimaryResult", "columns": [...], "rows": [...]}]}`) for the KQL subset mcctl
  writes: `Table | where TimeGenerated > ago(1h)` (or `>= datetime(...)`), `| where col == "value"`,
  `| where message has "text"` (case-insensitive), `| order by TimeGenerated asc|desc`, `| take N`.
Rows are kept per upload batch in the shared store, so `/_admin/reset` clears them.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

PREFIX = "/loganalytics/ingested"
TYPE = "Microsoft.OperationalInsights/ingestedBatches"
_AGO = re.compile(r"TimeGenerated\s*>=?\s*ago\((\d+)([smhd])\)")
_SINCE = re.compile(r"TimeGenerated\s*>=?\s*datetime\(([^)]+)\)")
_EQ = re.compile(r"^(\w+)\s*==\s*\"((?:[^\"\\]|\\.)*)\"$")
_HAS = re.compile(r"^(\w+)\s+has\s+\"((?:[^\"\\]|\\.)*)\"$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


@action("POST", r"/dataCollectionRules/(?P<dcr>[^/]+)/streams/(?P<stream>[^/]+)")
def ingest(ctx: ActionContext) -> Response:
    raw = ctx.request.raw_body
    if ctx.request.headers.get("content-encoding", "").lower() == "gzip":
        raw = gzip.decompress(raw)
    try:
        rows = json.loads(raw or b"[]")
    except ValueError:
        return _error(400, "InvalidPayload", "the body is not a JSON array")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return _error(400, "InvalidPayload", "the body must be a JSON array of objects")
    stream = ctx.match["stream"]
    if not stream.startswith("Custom-"):
        return _error(400, "InvalidStream", f"unknown stream {stream}")
    rule = _rule(ctx, ctx.match["dcr"])
    if rule is not None and stream not in ((rule.get("properties") or {}).get("streamDeclarations") or {}):
        return _error(400, "InvalidStream", f"stream {stream} is not declared in data collection rule {rule['id']}")
    table = stream[len("Custom-") :] + "_CL"
    now = default_clock().now().isoformat()
    stored = [{**r, "TimeGenerated": str(r.get("TimeGenerated") or r.get("timestamp") or now)} for r in rows]
    rid = f"{PREFIX}/{table}/{uuid.uuid4().hex}"
    ctx.store.put_resource(rid, TYPE, {"properties": {"table": table, "rows": stored}})
    return Response(204, None)


def _rule(ctx: ActionContext, immutable_id: str) -> dict[str, Any] | None:
    """The provisioned data collection rule with this immutable id, if any."""
    with ctx.store.lock:
        rules = [r for r in ctx.store.resources.values() if r["type"] == "Microsoft.Insights/dataCollectionRules"]
    return next((r for r in rules if (r.get("properties") or {}).get("immutableId") == immutable_id), None)


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().strip("'\"").replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run_kql(kql: str, rows_by_table: dict[str, list[dict[str, Any]]], now: datetime) -> list[dict[str, Any]]:
    """Apply the KQL subset in the module docstring; unknown operators are an error (ValueError)."""
    parts = [p.strip() for p in kql.split("|")]
    rows = list(rows_by_table.get(parts[0], []))
    for part in parts[1:]:
        if part.startswith("where "):
            cond = part[len("where ") :].strip()
            if m := _AGO.fullmatch(cond):
                since = now - timedelta(**{UNITS[m.group(2)]: int(m.group(1))})
                rows = [r for r in rows if _parse_time(r["TimeGenerated"]) >= since]
            elif m := _SINCE.fullmatch(cond):
                since = _parse_time(m.group(1))
                strict = ">=" not in cond
                rows = [
                    r for r in rows if (t := _parse_time(r["TimeGenerated"])) > since or (not strict and t == since)
                ]
            elif m := _EQ.match(cond):
                rows = [r for r in rows if str(r.get(m.group(1), "")) == json.loads(f'"{m.group(2)}"')]
            elif m := _HAS.match(cond):
                needle = json.loads(f'"{m.group(2)}"').lower()
                rows = [r for r in rows if needle in str(r.get(m.group(1), "")).lower()]
            else:
                raise ValueError(f"unsupported where clause: {cond}")
        elif part.startswith("order by "):
            column, _, direction = part[len("order by ") :].partition(" ")
            rows.sort(key=lambda r: str(r.get(column, "")), reverse=direction.strip() == "desc")
        elif part.startswith("take "):
            rows = rows[: int(part[len("take ") :])]
        else:
            raise ValueError(f"unsupported operator: {part}")
    return rows


@action("POST", r"/loganalytics/v1/workspaces/(?P<ws>[^/]+)/query")
def query(ctx: ActionContext) -> Response:
    body = ctx.request.body if isinstance(ctx.request.body, dict) else {}
    kql = str(body.get("query") or "")
    by_table: dict[str, list[dict[str, Any]]] = {}
    for batch in ctx.store.list_resources(PREFIX, TYPE):
        props = batch.get("properties") or {}
        by_table.setdefault(props.get("table", ""), []).extend(props.get("rows") or [])
    try:
        rows = run_kql(kql, by_table, default_clock().now())
    except (ValueError, KeyError) as exc:
        return _error(400, "BadArgumentError", f"{type(exc).__name__}: {exc}")
    columns: list[str] = ["TimeGenerated"]
    for row in rows:
        columns += [k for k in row if k not in columns]
    return Response(
        200,
        {
            "tables": [
                {
                    "name": "PrimaryResult",
                    "columns": [{"name": c, "type": "datetime" if c == "TimeGenerated" else "string"} for c in columns],
                    "rows": [[r.get(c) for c in columns] for r in rows],
                }
            ]
        },
    )
