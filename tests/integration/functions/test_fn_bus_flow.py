"""The bus end to end on SQS (moto): order placed -> payment -> notification (real SMTP) -> analytics -> order
status; a poison message is dead-lettered after N deliveries with its reason; a redelivered payment message
charges once."""

from __future__ import annotations

import email
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiosmtpd.controller import Controller
from fn_support import API_KEY, Shop, apigw_event
from sqlalchemy import func, select

from multicloud_ctl.functions.adapters import sql_schema as t
from multicloud_ctl.functions.adapters.bus import Outcome, process_batch
from multicloud_ctl.functions.adapters.sql_ledger import SqlAnalytics
from multicloud_ctl.functions.aws_lambda.router import route
from multicloud_ctl.functions.azure.api import handle_http
from multicloud_ctl.functions.consumers import consume
from multicloud_ctl.local.processes import free_port

pytestmark = pytest.mark.integration
QUEUES = ("orders", "payments", "notifications", "analytics")
SVC = {"X-Api-Key": API_KEY}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("MCCTL_FN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MCCTL_FN_SMTP_PORT", str(controller.port))
    yield inbox
    controller.stop()


class _Peer(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        size = int(self.headers.get("content-length") or 0)
        status, headers, body = handle_http(
            self.command,
            url.path,
            dict(self.headers.items()),
            dict(urllib.parse.parse_qsl(url.query)),
            self.rfile.read(size),
        )
        data = body.encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def peer() -> Iterator[str]:
    """The Azure-side API (`azure.api.handle_http`) behind a tiny HTTP server on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def drain(shop: Shop, rounds: int = 10) -> dict[str, Outcome]:
    """Run every consumer until all queues are empty (what the Functions host / SQS triggers do)."""
    svc = shop.services
    total = {q: Outcome() for q in QUEUES}
    for _ in range(rounds):
        busy = False
        for q in QUEUES:
            out = process_batch(
                svc.bus,
                q,
                lambda body, q=q: consume(svc, q, body),
                max_deliveries=svc.cfg.max_deliveries,
                wait_seconds=0,
            )
            busy |= bool(out.completed + out.abandoned + out.dead_lettered)
            for k in ("completed", "abandoned", "dead_lettered"):
                setattr(total[q], k, getattr(total[q], k) + getattr(out, k))
        if not busy:
            break
    return total


def place(shop: Shop, price: int, qty: int, user: str = "alice") -> dict[str, Any]:
    made = route(
        apigw_event("POST", "/products", headers=SVC, body={"name": "Lamp", "category": "home", "price_cents": price})
    )
    pid = json.loads(made["body"])["product_id"]
    route(apigw_event("PUT", f"/inventory/{pid}", headers=SVC, body={"available": 10}))
    resp = route(
        apigw_event(
            "POST",
            "/orders",
            headers=shop.bearer(user),
            body={"lines": [{"product_id": pid, "quantity": qty}], "email": f"{user}@example.com"},
        )
    )
    assert resp["statusCode"] == 201, resp["body"]
    return dict(json.loads(resp["body"]))


def order_status(oid: str) -> str:
    return str(json.loads(route(apigw_event("GET", f"/orders/{oid}", headers=SVC))["body"])["status"])


def test_order_flows_through_payment_notification_and_analytics(shop: Shop, smtp: Inbox) -> None:
    order = place(shop, price=1999, qty=2)
    drain(shop)
    svc = shop.services
    tx = svc.payments.transactions.get(order["order_id"])
    assert tx is not None and tx.status == "succeeded" and tx.amount_cents == 3998
    assert order_status(order["order_id"]) == "paid"
    subjects = sorted(str(email.message_from_string(m[1])["Subject"]) for m in smtp.messages)
    assert subjects == [
        f"Order {order['order_id']} received",
        f"Payment for order {order['order_id']} confirmed",
    ]
    assert all(m[0] == ["alice@example.com"] for m in smtp.messages)
    assert "39.98 USD" in smtp.messages[0][1]
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    analytics = SqlAnalytics(svc.engine)
    assert analytics.read("revenue_cents") == {("usd", day): 3998}
    assert analytics.read("units") == {(order["lines"][0]["product_id"], day): 2}
    assert analytics.read("orders") == {("*", day): 1}
    outbox = [json.loads(x) for x in (Path(shop.cfg.outbox_dir) / "outbox.jsonl").read_text().splitlines()]
    assert len(outbox) == 2 and all(e["via"].startswith("smtp://127.0.0.1:") for e in outbox)


def test_the_payment_is_read_synchronously_from_the_peer_api(
    shop: Shop, peer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = place(shop, price=700, qty=1)
    mine = shop.bearer("alice")
    assert route(apigw_event("GET", f"/orders/{order['order_id']}/payment", headers=mine))["statusCode"] == 503
    monkeypatch.setenv("MCCTL_FN_PEER_API_URL", peer)
    assert route(apigw_event("GET", f"/orders/{order['order_id']}/payment", headers=mine))["statusCode"] == 404
    drain(shop)
    resp = route(apigw_event("GET", f"/orders/{order['order_id']}/payment", headers=mine))
    assert resp["statusCode"] == 200 and json.loads(resp["body"])["status"] == "succeeded"
    assert (
        route(apigw_event("GET", f"/orders/{order['order_id']}/payment", headers=shop.bearer("bob")))["statusCode"]
        == 404
    )
    # the peer refuses callers without the service key
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{peer}/payments/{order['order_id']}", timeout=5)
    assert denied.value.code == 401


def test_customers_with_a_phone_also_get_sms(shop: Shop) -> None:
    route(apigw_event("PUT", "/users/me", headers=shop.bearer("gina"), body={"phone": "+14155550123"}))
    order = place(shop, price=300, qty=1, user="gina")
    drain(shop)
    sms = [e for e in shop.services.outbox.sent if e["channel"] == "sms"]
    assert [e["to"] for e in sms] == ["+14155550123", "+14155550123"]
    assert sorted(e["text"] for e in sms) == [
        f"Order {order['order_id']} received: 3.00 USD.",
        f"Payment of 3.00 USD for order {order['order_id']} confirmed.",
    ]
    stored = json.loads(route(apigw_event("GET", f"/orders/{order['order_id']}", headers=SVC))["body"])
    assert "phone" not in stored


def test_a_declined_payment_fails_the_order(shop: Shop, smtp: Inbox) -> None:
    order = place(shop, price=1001, qty=2)  # 20.02: the sandbox declines amounts ending in 02
    drain(shop)
    assert order_status(order["order_id"]) == "payment_failed"
    assert any("Payment for order" in m[1] and "failed" in m[1] for m in smtp.messages)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert SqlAnalytics(shop.services.engine).read("payments_failed") == {("*", day): 1}


def test_a_poison_message_is_dead_lettered_after_n_deliveries_with_its_reason(shop: Shop) -> None:
    sqs = boto3.client("sqs", endpoint_url=shop.url, region_name="us-east-1")
    sqs.send_message(QueueUrl=shop.env["MCCTL_FN_QUEUE_URL_ORDERS"], MessageBody=json.dumps({"hello": "world"}))
    outcome = drain(shop)
    assert outcome["orders"].abandoned == 2 and outcome["orders"].dead_lettered == 1  # N = 3
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1 and json.loads(got[0]["Body"]) == {"hello": "world"}
    attrs = got[0]["MessageAttributes"]
    assert attrs["DeadLetterReason"]["StringValue"].startswith("Invalid: malformed event envelope")
    assert attrs["DeliveryCount"]["StringValue"] == "3" and attrs["SourceQueue"]["StringValue"] == "orders"
    assert (
        sqs.get_queue_attributes(
            QueueUrl=shop.env["MCCTL_FN_QUEUE_URL_ORDERS"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_a_redelivered_payment_message_charges_once(shop: Shop) -> None:
    order = place(shop, price=500, qty=1)
    svc = shop.services
    first = svc.bus.receive("orders", wait_seconds=0)
    assert len(first) == 1
    consume(svc, "orders", first[0].body)
    svc.bus.abandon(first[0])  # the ack was lost: the message comes back
    second = svc.bus.receive("orders", wait_seconds=0)
    assert len(second) == 1 and second[0].delivery_count == 2 and second[0].body == first[0].body
    consume(svc, "orders", second[0].body)
    svc.bus.complete(second[0])
    consume(svc, "orders", first[0].body)  # and a duplicate send of the same event
    assert [m[0] for m in svc.payment_provider.moved] == [order["order_id"]]
    with svc.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.transactions)).scalar() == 1
    drain(shop)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert SqlAnalytics(svc.engine).read("revenue_cents") == {("usd", day): 500}  # re-announcements deduplicated
    assert order_status(order["order_id"]) == "paid"


def sqs_event(shop: Shop, queue: str) -> dict[str, Any]:
    """The SQS event Lambda's poller would deliver for what is in `queue` now (real receipt handles)."""
    sqs = boto3.client("sqs", endpoint_url=shop.url, region_name="us-east-1")
    url = shop.env[f"MCCTL_FN_QUEUE_URL_{queue.upper()}"]
    got = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        VisibilityTimeout=0,
    )
    records = []
    for m in got.get("Messages", []):
        attrs = {
            k: {"stringValue": v["StringValue"], "dataType": v["DataType"]}
            for k, v in m.get("MessageAttributes", {}).items()
        }
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": attrs,
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def test_sqs_lambda_consumers_report_partial_failures_and_dead_letter_at_n(shop: Shop) -> None:
    from multicloud_ctl.functions.aws_lambda import order_events, queue_consumer

    order = place(shop, price=800, qty=1)
    sqs = boto3.client("sqs", endpoint_url=shop.url, region_name="us-east-1")
    sqs.send_message(QueueUrl=shop.env["MCCTL_FN_QUEUE_URL_ORDERS"], MessageBody="{oops")
    for receive in (1, 2, 3):
        event = sqs_event(shop, "orders")
        counts = sorted(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        out = queue_consumer.payment_processor(event, None)
        poison = [r["messageId"] for r in event["Records"] if r["body"] == "{oops"]
        if receive < 3:
            assert out["batchItemFailures"] == [{"itemIdentifier": poison[0]}], counts
        else:
            assert out["batchItemFailures"] == []  # dead-lettered with its reason instead
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert dead[0]["Body"] == "{oops"
    assert dead[0]["MessageAttributes"]["DeadLetterReason"]["StringValue"].startswith("Invalid: malformed")
    assert order_events.handler(sqs_event(shop, "payments"), None) == {"batchItemFailures": []}
    assert order_status(order["order_id"]) == "paid"
    assert [m[0] for m in shop.services.payment_provider.moved] == [order["order_id"]]
