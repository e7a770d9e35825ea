"""HTTP <-> API Gateway REST v1 proxy events, and the timer schedule (no network)."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from calendar_support import TEST_INSTANT
from multicloud_ctl.local.functions.events import proxy_event, proxy_response
from multicloud_ctl.local.functions.triggers import TimerTrigger
from multicloud_ctl.operations.deploy.traffic import weights_for


def test_event_carries_path_query_headers_and_body_like_api_gateway() -> None:
    ev = proxy_event(
        "post",
        "/orders?x=1&tag=a&tag=b",
        [("Authorization", "Bearer t"), ("X-A", "1"), ("X-A", "2")],
        b'{"a": 1}',
        source_ip="127.0.0.9",
        request_id="rid",
    )
    assert ev["httpMethod"] == "POST" and ev["path"] == "/orders" and ev["resource"] == "/{proxy+}"
    assert ev["queryStringParameters"] == {"x": "1", "tag": "b"}
    assert ev["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert ev["headers"]["X-A"] == "2" and ev["multiValueHeaders"]["X-A"] == ["1", "2"]
    assert ev["pathParameters"] == {"proxy": "orders"}
    assert ev["body"] == '{"a": 1}' and ev["isBase64Encoded"] is False
    ctx = ev["requestContext"]
    assert ctx["requestId"] == "rid" and ctx["stage"] == "local" and ctx["identity"]["sourceIp"] == "127.0.0.9"


def test_binary_bodies_are_base64_and_empty_ones_null() -> None:
    ev = proxy_event("PUT", "/x", [], b"\xff\x00")
    assert ev["isBase64Encoded"] is True and base64.b64decode(ev["body"]) == b"\xff\x00"
    assert proxy_event("GET", "/", [], b"")["body"] is None


def test_response_mapping_and_malformed_result_is_502() -> None:
    status, headers, body = proxy_response(
        {
            "statusCode": 201,
            "headers": {"Location": "/orders/1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "{}",
        }
    )
    assert status == 201 and ("Location", "/orders/1") in headers and ("Set-Cookie", "b=2") in headers
    assert body == b"{}"
    assert proxy_response({"body": "no status"})[0] == 502
    assert (
        proxy_response({"statusCode": 200, "body": base64.b64encode(b"\x01").decode(), "isBase64Encoded": True})[2]
        == b"\x01"
    )


def test_timer_is_daily_at_two_utc_unless_an_interval_is_set() -> None:
    timer = TimerTrigger("backup_service", lambda: {})
    assert timer.next_due(datetime(2026, 1, 1, 1, 0, tzinfo=UTC)) == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    assert timer.next_due(datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == datetime(2026, 1, 2, 2, 0, tzinfo=UTC)
    assert TimerTrigger("t", lambda: {}, interval=30).next_due(datetime(2026, 1, 1, tzinfo=UTC)).second == 30


def test_timer_failure_is_recorded_not_raised() -> None:
    def boom() -> dict[str, str]:
        raise RuntimeError("blob down")

    result = TimerTrigger("t", boom).fire()
    assert result["status"] == "failed" and "blob down" in result["error"]


def test_strategy_weights() -> None:
    assert weights_for("all-at-once") == []
    assert weights_for("canary10") == [0.1]
    assert weights_for("linear10") == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


@pytest.mark.calendar
def test_the_daily_timer_fires_once_a_utc_day_across_month_year_and_dst_edges() -> None:
    timer = TimerTrigger("backup_service", lambda: {})
    now = TEST_INSTANT
    dues = []
    for _ in range(3):
        now = timer.next_due(now)
        dues.append(now)
    assert all(d.tzinfo is not None and d.utcoffset() == timedelta(0) and d.hour == 2 and d.minute == 0 for d in dues)
    assert [(b - a) for a, b in itertools.pairwise(dues)] == [timedelta(days=1)] * 2  # 24 h, DST or not
    assert timedelta(0) < dues[0] - TEST_INSTANT <= timedelta(days=1)
