"""JSON log lines, span trees, the fake Log Analytics KQL subset and the log filters, without network."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from multicloud_ctl.errors import UsageError
from multicloud_ctl.local.arm.loganalytics import run_kql
from multicloud_ctl.operations.observability.logquery import LogFilter, merge, parse_since
from multicloud_ctl.operations.observability.metrics import percentile
from multicloud_ctl.operations.observability.traces import build_tree, normalise, rows, summary


def test_json_formatter_carries_context_and_extras() -> None:
    from multicloud_ctl.functions.observability import JsonFormatter, bind

    fmt = JsonFormatter("azure", "eastus", "mcctl-functions-azure")
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "paid %s", ("o1",), None)
    record.queue = "orders"
    with bind(service="payment-processor", order_id="o1"):
        line = json.loads(fmt.format(record))
    assert {k: line[k] for k in ("level", "service", "cloud", "region", "order_id", "message", "queue")} == {
        "level": "WARNING",
        "service": "payment-processor",
        "cloud": "azure",
        "region": "eastus",
        "order_id": "o1",
        "message": "paid o1",
        "queue": "orders",
    }
    assert line["timestamp"].endswith("+00:00") and line["trace_id"] == ""


def _span(sid: str, parent: str | None, start: str, cloud: str = "aws") -> dict[str, object]:
    return {
        "trace_id": "a" * 32,
        "span_id": sid,
        "parent_span_id": parent,
        "name": sid,
        "start": start,
        "end": start,
        "cloud": cloud,
        "service": "s",
        "status": "OK",
    }


def test_span_tree_parent_first_and_orphans_as_roots() -> None:
    spans = [_span("c", "b", "3"), _span("b", "a", "2", "azure"), _span("a", None, "1"), _span("z", "gone", "4")]
    assert [(r["depth"], r["span_id"]) for r in rows(spans)] == [(0, "a"), (1, "b"), (2, "c"), (0, "z")]
    assert len(build_tree(spans)) == 2
    assert summary(spans)["clouds"] == ["aws", "azure"]


def test_trace_id_forms() -> None:
    assert normalise("00-" + "ab" * 16 + "-" + "cd" * 8 + "-01") == "ab" * 16
    with pytest.raises(UsageError):
        normalise("nope")


def test_kql_subset() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    old = (now - timedelta(hours=2)).isoformat()
    new = (now - timedelta(minutes=5)).isoformat()
    table = {
        "T_CL": [
            {"TimeGenerated": new, "service": "a", "message": "Paid Order"},
            {"TimeGenerated": old, "service": "a", "message": "paid"},
            {"TimeGenerated": new, "service": "b", "message": "x"},
        ]
    }
    got = run_kql(
        'T_CL | where TimeGenerated > ago(3600s) | where service == "a" | where message has "paid"'
        " | order by TimeGenerated asc | take 5",
        table,
        now,
    )
    assert [r["message"] for r in got] == ["Paid Order"]
    with pytest.raises(ValueError):
        run_kql("T_CL | summarize count()", table, now)


def test_filter_kql_and_local_matching() -> None:
    flt = LogFilter(since="15m", service="order-service", trace_id="t", grep='say "hi"')
    assert flt.kql("T_CL") == (
        'T_CL | where TimeGenerated > ago(900s) | where service == "order-service" | '
        'where trace_id == "t" | where message has "say \\"hi\\"" | order by TimeGenerated asc'
    )
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    row = {
        "timestamp": (now - timedelta(minutes=1)).isoformat(),
        "service": "order-service",
        "trace_id": "t",
        "message": 'they SAY "hi"',
    }
    assert flt.matches(row, now)
    assert not flt.matches({**row, "service": "x"}, now)
    assert not flt.matches({**row, "timestamp": (now - timedelta(hours=1)).isoformat()}, now)
    assert [r["timestamp"] for r in merge([{"timestamp": "2"}], [{"timestamp": "1"}])] == ["1", "2"]
    assert parse_since("1w") == timedelta(days=7) and parse_since("1h30m") == timedelta(minutes=90)
    for bad in ("5", "soon", "-5m", "0s"):
        with pytest.raises(UsageError, match="--since"):
            parse_since(bad)


def test_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5, 1, 3], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.99) == 99


def test_trace_context_rides_on_service_bus_and_sqs_messages() -> None:
    from types import SimpleNamespace

    from multicloud_ctl.functions.adapters.bus_servicebus import from_message, to_message
    from multicloud_ctl.functions.observability import carrier_from_sqs, sqs_attributes

    parent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    sent = to_message({"type": "OrderPlaced"}, "e1", {"traceparent": parent})
    assert sent.application_properties == {"traceparent": parent}
    received = SimpleNamespace(
        body=[b'{"type": "OrderPlaced"}'],
        message_id="e1",
        delivery_count=1,
        application_properties={b"traceparent": parent.encode()},
    )
    assert from_message("orders", received).properties == {"traceparent": parent}
    attrs = sqs_attributes({"traceparent": parent})
    assert carrier_from_sqs(attrs) == {"traceparent": parent}
    lambda_form = {"traceparent": {"stringValue": parent, "dataType": "String"}}
    assert carrier_from_sqs(lambda_form) == {"traceparent": parent}


def test_health_probes_are_not_counted_as_traffic(tmp_path: Path) -> None:
    """The sandbox's function metrics and percentiles leave the load balancer's /health probes out (issue 19
    item 11: on a quiet sandbox they were most of every service's invocations)."""
    from multicloud_ctl.operations.observability.platform_metrics import _new_spans, aggregate

    spans = [
        {"kind": "server", "name": "GET /health", "cloud": "aws", "service": "product", "start": "2026-12-03T10:00:01"},
        {
            "kind": "server",
            "name": "GET /products",
            "cloud": "aws",
            "service": "product",
            "start": "2026-12-03T10:00:02",
        },
        {
            "kind": "consumer",
            "name": "orders process",
            "cloud": "azure",
            "service": "payment-processor",
            "start": "2026-12-03T10:00:03",
        },
        {"kind": "client", "name": "GET /health", "cloud": "aws", "service": "product", "start": "2026-12-03T10:00:04"},
    ] + [
        {"kind": "server", "name": "GET /health", "cloud": "aws", "service": "product", "start": "2026-12-03T10:00:05"}
    ] * 20
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in spans))
    kept, _ = _new_spans(path, 0)
    assert [s["name"] for s in kept] == ["GET /products", "orders process"]
    counts = {k[:2]: v["count"] for k, v in aggregate(kept).items()}
    assert counts == {("aws", "product"): 1, ("azure", "payment-processor"): 1}
