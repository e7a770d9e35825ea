"""The sandbox Cost Management handler as a plain function: wire format, grouping, paging, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from multicloud_ctl.local.arm.costmanagement import CostStore, handle

PATH = "/subscriptions/sub-1/providers/Microsoft.CostManagement/query"
Q = {"api-version": "2025-03-01"}


def _store() -> CostStore:
    store = CostStore(base_url="http://127.0.0.1:1", page_size=2)
    store.load(
        [
            {
                "date": "2026-01-01",
                "subscription": "sub-1",
                "service": "Storage",
                "location": "eastus",
                "actual": 1.0,
                "amortized": 1.5,
                "quantity": 10,
                "currency": "USD",
                "tags": {"team": "data"},
            },
            {
                "date": "2026-01-01",
                "subscription": "sub-1",
                "service": "Storage",
                "location": "westus",
                "actual": 2.0,
                "amortized": 2.0,
                "currency": "USD",
                "tags": {"team": "data"},
            },
            {
                "date": "2026-01-02",
                "subscription": "sub-1",
                "service": "Functions",
                "location": "eastus",
                "actual": 4.0,
                "amortized": 4.0,
                "currency": "USD",
            },
            {
                "date": "2026-01-02",
                "subscription": "other",
                "service": "Functions",
                "location": "eastus",
                "actual": 100.0,
                "amortized": 100.0,
                "currency": "USD",
            },
        ]
    )
    return store


def _body(
    cost_type: str = "ActualCost", grouping: list[dict[str, str]] | None = None, granularity: str = "Daily"
) -> bytes:
    return json.dumps(
        {
            "type": cost_type,
            "timeframe": "Custom",
            "timePeriod": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T23:59:59Z"},
            "dataset": {
                "granularity": granularity,
                "grouping": grouping or [{"type": "Dimension", "name": "ServiceName"}],
            },
        }
    ).encode()


def test_query_answers_columns_rows_and_pages_with_skiptoken() -> None:
    store = _store()
    grouping = [{"type": "Dimension", "name": "ServiceName"}, {"type": "Dimension", "name": "ResourceLocation"}]
    status, _, page1 = handle(store, "POST", PATH, Q, _body(grouping=grouping))
    assert status == 200 and page1["type"] == "Microsoft.CostManagement/query"
    props = page1["properties"]
    assert [c["name"] for c in props["columns"]] == [
        "Cost",
        "UsageQuantity",
        "UsageDate",
        "ServiceName",
        "ResourceLocation",
        "Currency",
    ]
    assert len(props["rows"]) == 2 and props["nextLink"].endswith("&$skiptoken=o2")
    assert props["nextLink"].startswith("http://127.0.0.1:1" + PATH + "?api-version=2025-03-01")
    _, _, page2 = handle(store, "POST", PATH, {**Q, "$skiptoken": "o2"}, _body(grouping=grouping))
    assert page2["properties"]["nextLink"] is None
    rows = props["rows"] + page2["properties"]["rows"]
    assert sum(r[0] for r in rows) == 7.0  # the other subscription's 100 is not in scope
    assert rows[0][2:] == [20260101, "Storage", "eastus", "USD"]


def test_amortized_monthly_and_tag_grouping() -> None:
    store = _store()
    store.page_size = 100
    _, _, doc = handle(store, "POST", PATH, Q, _body("AmortizedCost", granularity="Monthly"))
    rows = doc["properties"]["rows"]
    assert {(r[2], r[3], r[0]) for r in rows} == {
        ("2026-01-01T00:00:00", "Functions", 4.0),
        ("2026-01-01T00:00:00", "Storage", 3.5),
    }
    _, _, doc = handle(store, "POST", PATH, Q, _body(grouping=[{"type": "TagKey", "name": "team"}]))
    cols = [c["name"] for c in doc["properties"]["columns"]]
    assert cols[-3:] == ["TagKey", "TagValue", "Currency"]
    assert {(r[-2], r[0]) for r in doc["properties"]["rows"]} == {("data", 3.0), ("", 4.0)}


def test_bad_requests_are_arm_errors() -> None:
    store = _store()
    assert handle(store, "POST", PATH, {}, _body())[0] == 400  # no api-version
    status, _, doc = handle(store, "POST", PATH, Q, _body("Bogus"))
    assert status == 400 and doc["error"]["code"] == "BadRequest"
    assert handle(store, "POST", PATH, Q, b"{not json")[0] == 400
    assert handle(store, "GET", PATH, Q, b"")[0] == 405
    bad = _body(grouping=[{"type": "Dimension", "name": "Nope"}])
    assert handle(store, "POST", PATH, Q, bad)[0] == 400
    store.deny = True
    status, _, doc = handle(store, "POST", PATH, Q, _body())
    assert status == 403 and doc["error"]["code"] == "AuthorizationFailed"


def test_cost_help_imports_no_cloud_sdk() -> None:
    code = (
        "import sys; from multicloud_ctl.cli.app import main; sys.argv=['mcctl','cost','report','--help'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad=[m for m in ('boto3','azure','cloudflare','moto') if m in sys.modules]; print('LOADED', bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--group-by" in out.stdout and "LOADED []" in out.stdout
