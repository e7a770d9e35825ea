"""The sandbox's Azure Cost Management query endpoint, speaking the real wire format.

`POST /subscriptions/{id}/providers/Microsoft.CostManagement/query?api-version=...` takes a QueryDefinition
(type ActualCost | AmortizedCost, timeframe Custom + timePeriod, dataset granularity Daily | Monthly | None,
aggregation Sum, grouping by Dimension ServiceName / ResourceLocation / SubscriptionId / ResourceGroupName or
TagKey) and answers `properties: {columns, rows, nextLink}` with `$skiptoken` paging, as ARM does. 429 with
Retry-After comes from the fake ARM's generic fault injection (`/_admin/faults`); 403 AuthorizationFailed
is switched on here (`deny`).

Sandbox control routes (not Azure APIs; used by `mcctl cost seed` and the tests):
`POST /_mcctl/costmanagement/records` {"records": [...], "replace": bool} and
`POST /_mcctl/costmanagement/faults` {"deny": bool, "page_size": n}. Through the fake ARM they need a
bearer token and an api-version like every ARM call.

The handler is a plain function `(method, path, query, body) -> (status, headers, body)` on a `CostStore`;
the fake ARM serves it through its action registry (one `CostStore` per ARM store, made on first use).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Response = tuple[int, dict[str, str], Any]

QUERY_PATH = re.compile(
    r"^/(?P<scope>subscriptions/[^/]+(?:/resourcegroups/[^/]+)?)"
    r"/providers/microsoft\.costmanagement/query/?$",
    re.IGNORECASE,
)
CONTROL_PREFIX = "/_mcctl/costmanagement/"
_DIMENSIONS = {
    "servicename": "ServiceName",
    "resourcelocation": "ResourceLocation",
    "subscriptionid": "SubscriptionId",
    "resourcegroupname": "ResourceGroupName",
    "metercategory": "ServiceName",
}


@dataclass
class CostStore:
    """Daily cost rows per subscription, plus the faults to inject. Thread-safe."""

    base_url: str = "http://127.0.0.1"
    page_size: int = 1000
    records: list[dict[str, Any]] = field(default_factory=list)
    deny: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def load(self, records: list[dict[str, Any]], *, replace: bool = True) -> int:
        """Add (or replace with) daily records: date, subscription, service, location, actual, amortized."""
        with self.lock:
            if replace:
                self.records = []
            self.records.extend(records)
            return len(self.records)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return status, dict(headers or {}), payload


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": {"code": code, "message": message}}, headers)


def _first(query: Mapping[str, Any], key: str) -> str | None:
    for k, v in query.items():
        if k.lower() == key.lower():
            return str(v[0] if isinstance(v, list | tuple) else v)
    return None


def handle(
    store: CostStore, method: str, path: str, query: Mapping[str, Any] | str, body: bytes | str | None
) -> Response:
    """Serve one request (query string or parsed mapping; raw body); the body answered is JSON-able."""
    if isinstance(query, str):
        query = urllib.parse.parse_qs(query)
    path = urllib.parse.unquote(path.split("?", 1)[0])
    raw = body.decode() if isinstance(body, bytes) else (body or "")
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return _error(400, "InvalidRequestContent", "the request body is not valid JSON")
    if not isinstance(payload, dict):
        return _error(400, "InvalidRequestContent", "the request body must be a JSON object")
    if path.startswith(CONTROL_PREFIX) and method == "POST":
        return _control(store, path[len(CONTROL_PREFIX) :], payload)
    match = QUERY_PATH.match(path)
    if not match:
        return _error(404, "NotFound", f"no Cost Management route for {method} {path}")
    if method != "POST":
        return _error(405, "MethodNotAllowed", "the query API takes POST")
    api_version = _first(query, "api-version")
    if not api_version:
        return _error(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
    with store.lock:
        if store.deny:
            return _error(
                403,
                "AuthorizationFailed",
                "The client does not have authorization to perform action "
                "'Microsoft.CostManagement/query/action' over scope '/" + match["scope"] + "'.",
            )
        records = list(store.records)
    return _query(store, match["scope"], path, api_version, payload, records, _first(query, "$skiptoken"))


def _control(store: CostStore, action: str, payload: dict[str, Any]) -> Response:
    if action == "records":
        count = store.load(list(payload.get("records", [])), replace=bool(payload.get("replace", True)))
        return _json(200, {"records": count})
    if action == "faults":
        with store.lock:
            store.deny = bool(payload.get("deny", store.deny))
            store.page_size = int(payload.get("page_size", store.page_size))
        return _json(200, {"ok": True})
    return _error(404, "NotFound", f"unknown sandbox control {action!r}")


def _day(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _query(
    store: CostStore,
    scope: str,
    path: str,
    api_version: str,
    definition: dict[str, Any],
    records: list[dict[str, Any]],
    skiptoken: str | None,
) -> Response:
    cost_type = definition.get("type")
    if cost_type not in ("ActualCost", "AmortizedCost", "Usage"):
        return _error(400, "BadRequest", f"Invalid query type {cost_type!r}.")
    period = definition.get("timePeriod") or {}
    if definition.get("timeframe") != "Custom" or not period.get("from") or not period.get("to"):
        return _error(400, "BadRequest", "Only timeframe Custom with timePeriod from/to is supported here.")
    start, end = _day(period["from"]), _day(period["to"])
    if end < start:
        return _error(400, "BadRequest", "Invalid time period: 'to' is before 'from'.")
    dataset = definition.get("dataset") or {}
    granularity = dataset.get("granularity", "None")
    grouping = dataset.get("grouping") or []
    group_cols: list[str] = []
    tag_keys: list[str] = []
    for g in grouping:
        if g.get("type") == "TagKey":
            tag_keys.append(str(g.get("name")))
        elif str(g.get("name", "")).lower() in _DIMENSIONS:
            group_cols.append(_DIMENSIONS[str(g["name"]).lower()])
        else:
            return _error(400, "BadRequest", f"Invalid grouping dimension {g.get('name')!r}.")
    sub = scope.split("/")[1].lower()
    amount_key = "amortized" if cost_type == "AmortizedCost" else "actual"
    sums: dict[tuple[Any, ...], list[float]] = {}
    for rec in records:
        if str(rec.get("subscription", sub)).lower() != sub:
            continue
        day = date.fromisoformat(rec["date"])
        if not start <= day <= end:
            continue
        when: Any = (
            int(day.strftime("%Y%m%d"))
            if granularity == "Daily"
            else f"{day.replace(day=1).isoformat()}T00:00:00"
            if granularity == "Monthly"
            else None
        )
        values = {
            "ServiceName": rec["service"],
            "ResourceLocation": rec.get("location", ""),
            "SubscriptionId": sub,
            "ResourceGroupName": rec.get("resource_group", ""),
        }
        key: tuple[Any, ...] = (when, *(values[c] for c in group_cols))
        for tag in tag_keys:
            key += (tag, (rec.get("tags") or {}).get(tag, ""))
        key += (rec.get("currency", "USD"),)
        acc = sums.setdefault(key, [0.0, 0.0])
        acc[0] += float(rec.get(amount_key, 0.0))
        acc[1] += float(rec.get("quantity", 0.0))
    columns = [{"name": "Cost", "type": "Number"}, {"name": "UsageQuantity", "type": "Number"}]
    if granularity == "Daily":
        columns.append({"name": "UsageDate", "type": "Number"})
    elif granularity == "Monthly":
        columns.append({"name": "BillingMonth", "type": "Datetime"})
    columns += [{"name": c, "type": "String"} for c in group_cols]
    for _ in tag_keys:
        columns += [{"name": "TagKey", "type": "String"}, {"name": "TagValue", "type": "String"}]
    columns.append({"name": "Currency", "type": "String"})
    rows = []
    for key in sorted(sums, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        cost, qty = sums[key]
        lead = [round(cost, 10), round(qty, 6)]
        rows.append(lead + ([key[0]] if granularity in ("Daily", "Monthly") else []) + list(key[1:]))
    offset = int(skiptoken[1:]) if skiptoken and skiptoken.startswith("o") and skiptoken[1:].isdigit() else 0
    page = rows[offset : offset + store.page_size]
    next_link = None
    if offset + store.page_size < len(rows):
        next_link = (
            f"{store.base_url.rstrip('/')}{path}?api-version={api_version}&$skiptoken=o{offset + store.page_size}"
        )
    name = str(uuid.uuid4())
    return _json(
        200,
        {
            "id": f"/{scope}/providers/Microsoft.CostManagement/query/{name}",
            "name": name,
            "type": "Microsoft.CostManagement/query",
            "location": None,
            "sku": None,
            "eTag": None,
            "properties": {"nextLink": next_link, "columns": columns, "rows": page},
        },
    )


# ---- wiring into the fake ARM (local/arm/actions.py registry) ---------------------------------------
_STORES_LOCK = threading.Lock()


def store_for(arm_store: Any) -> CostStore:
    """The CostStore that lives next to one fake ARM's resource store (created on first use)."""
    with _STORES_LOCK:
        cost = getattr(arm_store, "cost_management", None)
        if cost is None:
            cost = CostStore()
            arm_store.cost_management = cost
        return cost


def _register() -> None:
    from multicloud_ctl.local.arm.actions import ActionContext, action
    from multicloud_ctl.local.jsonhttp import Response as HttpResponse

    def serve(ctx: ActionContext) -> HttpResponse:
        store = store_for(ctx.store)
        store.base_url = ctx.base_url
        req = ctx.request
        status, headers, payload = handle(store, req.method, req.path, req.query, req.raw_body)
        return HttpResponse(status, payload, headers)

    scope = r"/subscriptions/[^/]+(?:/resourcegroups/[^/]+)?"
    action("POST", scope + r"/providers/Microsoft\.CostManagement/query")(serve)
    action("POST", r"/_mcctl/costmanagement/(?:records|faults)")(serve)


_register()
