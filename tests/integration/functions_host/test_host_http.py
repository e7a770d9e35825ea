"""The functions hosts serve real requests end to end (HTTP -> proxy event / plain call -> handler ->
moto/SQLite), and the bus-triggered functions run from the local bus (SQS on moto)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import pytest
from fnhost_support import API_KEY, Hosts, call, sign_up, start_host

pytestmark = pytest.mark.integration
KEY = {"x-api-key": API_KEY}


def eventually(check: Any, timeout: float = 30.0, every: float = 0.2) -> Any:
    """Poll `check()` until it returns something truthy (waits for async work; not a timing test)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


def test_health_on_both_clouds(hosts: Hosts) -> None:
    assert call(f"{hosts.aws_url}/health") == (200, {"status": "ok", "cloud": "aws"})
    assert call(f"{hosts.azure_url}/health") == (200, {"status": "ok", "cloud": "azure"})
    status, admin = call(f"{hosts.aws_url}/_admin/health")
    assert status == 200 and admin["service"] == "mcctl-functions-aws" and "payments" in admin["queues"]


def test_products_api_goes_through_proxy_events_to_dynamodb(hosts: Hosts, boto: Any) -> None:
    status, product = call(
        f"{hosts.aws_url}/products", "POST", {"name": "Lamp", "category": "home", "price_cents": 2500}, KEY
    )
    assert status == 201, product
    item = boto("dynamodb").get_item(TableName="Products", Key={"product_id": {"S": product["product_id"]}})
    assert item["Item"]["name"]["S"] == "Lamp"
    status, listed = call(f"{hosts.aws_url}/products?category=home&limit=5")
    assert status == 200 and product["product_id"] in [p["product_id"] for p in listed["items"]]
    assert call(f"{hosts.aws_url}/products", "POST", {"name": "x"})[0] == 401  # no key
    assert call(f"{hosts.aws_url}/nowhere")[0] == 404


def test_order_flow_across_both_hosts(hosts: Hosts, boto: Any) -> None:
    status, product = call(
        f"{hosts.aws_url}/products", "POST", {"name": "Mug", "category": "kitchen", "price_cents": 1200}, KEY
    )
    assert status == 201
    pid = product["product_id"]
    assert call(f"{hosts.aws_url}/inventory/{pid}", "PUT", {"available": 5}, KEY)[0] == 200
    token = sign_up(boto, hosts, f"buyer-{uuid.uuid4().hex[:6]}@example.com")
    auth = {"authorization": f"Bearer {token}", "idempotency-key": uuid.uuid4().hex}
    status, order = call(
        f"{hosts.aws_url}/orders",
        "POST",
        {"lines": [{"product_id": pid, "quantity": 2}], "email": "buyer@example.com"},
        auth,
    )
    assert status == 201, order
    assert order["status"] == "pending" and order["total_cents"] == 2400
    assert call(f"{hosts.aws_url}/inventory/{pid}")[1]["available"] == 3
    # payment-processor (Azure host, orders queue) charges; order-service (AWS, payments queue) marks paid
    paid = eventually(
        lambda: (lambda r: r[1] if r[1].get("status") == "paid" else None)(
            call(f"{hosts.aws_url}/orders/{order['order_id']}", headers={"authorization": f"Bearer {token}"})
        )
    )
    assert paid["order_id"] == order["order_id"]
    status, payment = call(f"{hosts.azure_url}/payments/{order['order_id']}", headers=KEY)
    assert status == 200 and payment["amount_cents"] == 2400
    status, via_peer = call(
        f"{hosts.aws_url}/orders/{order['order_id']}/payment", headers={"authorization": f"Bearer {token}"}
    )
    assert status == 200 and via_peer["order_id"] == order["order_id"]  # Lambda -> Azure with the service key
    mail = eventually(lambda: sorted((hosts.outbox / "smtp").glob("*.eml")))
    assert any(order["order_id"] in p.read_text(errors="replace") for p in mail)


def test_poison_message_is_dead_lettered_after_n_deliveries(hosts: Hosts, boto: Any) -> None:
    sqs = boto("sqs")
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="this is not an event")

    def dead() -> Any:
        got = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], WaitTimeSeconds=1)
        return got.get("Messages")

    msgs = eventually(dead)
    assert msgs[0]["Body"] == "this is not an event"
    attrs = msgs[0]["MessageAttributes"]
    assert attrs["DeliveryCount"]["StringValue"] == "2" and attrs["DeadLetterReason"]["StringValue"]
    stats = eventually(
        lambda: (lambda q: q if q["dead_lettered"] else None)(
            call(f"{hosts.azure_url}/_admin/health")[1]["queues"]["orders"]
        )
    )
    assert stats["dead_lettered"] >= 1 and stats["retried"] >= 1


def test_stopping_a_host_makes_its_port_refuse(hosts: Hosts, tmp_path: Any) -> None:
    from multicloud_ctl.local.processes import free_port, stop_process

    port = free_port()
    proc = start_host("aws", port, hosts.env_files["aws"], tmp_path / "extra.log", "--no-bus")
    assert call(f"http://127.0.0.1:{port}/health")[1]["cloud"] == "aws"
    stop_process(proc)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
    assert call(f"{hosts.azure_url}/health")[0] == 200  # the other cloud keeps serving


def test_backup_timer_fires_on_demand(hosts: Hosts) -> None:
    status, result = call(f"{hosts.azure_url}/admin/functions/backup_service", "POST")
    assert status == 200 and result["status"] in ("ok", "skipped")
    assert call(f"{hosts.aws_url}/admin/functions/backup_service", "POST")[0] == 404


def test_admin_paths_are_closed_to_what_the_edge_forwards_and_brownout_is_a_share_of_503s(hosts: Hosts) -> None:
    """Issue 21's open admin API: a request the edge forwarded (cf-ray) gets API Gateway's answer to an unknown
    route, not a backup run or the host's queue statistics; the operator's loopback still reaches them."""
    edge = {"cf-ray": "0123456789abcdef-LCL", "cf-connecting-ip": "203.0.113.9"}
    assert call(f"{hosts.azure_url}/admin/functions/backup_service", "POST", headers=edge)[0] == 404
    assert call(f"{hosts.aws_url}/_admin/health", headers=edge)[0] == 403
    assert call(f"{hosts.aws_url}/_admin/brownout", "POST", {"share": 1.0}, headers=edge)[0] == 403
    assert call(f"{hosts.aws_url}/_admin/health")[0] == 200
    assert call(f"{hosts.aws_url}/_admin/brownout", "POST", {"share": 2})[0] == 400
    try:
        assert call(f"{hosts.aws_url}/_admin/brownout", "POST", {"share": 0.5})[0] == 200
        statuses = [call(f"{hosts.aws_url}/health")[0] for _ in range(200)]
        assert 60 <= statuses.count(503) <= 140 and set(statuses) <= {200, 503}  # about half, binomial bounds
        assert call(f"{hosts.aws_url}/_admin/health")[0] == 200  # the admin paths are not browned out
    finally:
        assert call(f"{hosts.aws_url}/_admin/brownout", "POST", {"share": 0})[0] == 200
    assert {call(f"{hosts.aws_url}/health")[0] for _ in range(20)} == {200}


def test_handler_json_is_passed_through_unchanged(hosts: Hosts) -> None:
    status, body = call(f"{hosts.azure_url}/products?limit=1")
    assert status == 200 and "items" in body
    assert json.dumps(body)


def _raw(url: str, path: str, body: bytes, content_type: str | None) -> tuple[int, Any]:
    """POST exact bytes with exactly this Content-Type (urllib would add a form type of its own)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = {**KEY, **({"Content-Type": content_type} if content_type else {})}
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_over_deep_json_is_400_and_a_non_json_content_type_is_415(hosts: Hosts, cloud: str) -> None:
    """Issue 21 item 8: a 100,000-deep body was a 500 (the decoder's recursion), and text/plain was read as JSON."""
    url = getattr(hosts, f"{cloud}_url")
    product = {"name": "Kettle", "category": "kitchen", "price_cents": 3000}
    bomb = b"[" * 100_000 + b"]" * 100_000
    status, body = _raw(url, "/products", b'{"name": ' + bomb + b"}", "application/json")
    assert (status, body) == (400, {"error": "body: nested more than 32 levels"})
    deep = b'{"name": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}"  # parses, but nests past the limit
    assert _raw(url, "/products", deep, "application/json") == (400, {"error": "body: nested more than 32 levels"})
    for media in ("text/plain", "application/x-www-form-urlencoded", "text/html; charset=utf-8"):
        status, body = _raw(url, "/products", json.dumps(product).encode(), media)
        assert status == 415, (media, body)
        assert "is not JSON" in body["error"]
    for media in ("application/json; charset=utf-8", "application/merge-patch+json", None):
        status, body = _raw(url, "/products", json.dumps(product).encode(), media)
        assert status == 201 and body["name"] == "Kettle", (media, body)
    if cloud == "aws":  # the DynamoDB side's page cursor is JSON too (Azure SQL's is a plain key)
        import base64

        for cursor in (b"[" * 5000 + b"]" * 5000, b"[1]", b'{"product_id": 1}', b"\xff"):  # deep, no key, no JSON
            token = base64.urlsafe_b64encode(cursor).decode()
            assert call(f"{url}/products?cursor={token}") == (400, {"error": "cursor: not a cursor from this API"})


def test_aws_side_failed_records_are_redriven_to_the_dlq_by_sqs(hosts: Hosts, boto: Any) -> None:
    """Lambda's SQS source: a failed record is left to reappear, then dead-lettered with its reason."""
    sqs = boto("sqs")
    url = sqs.get_queue_url(QueueName="payments")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="payments-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"not": "a payment outcome"}')

    def dead() -> Any:
        return sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages")

    msgs = eventually(dead, timeout=60)
    assert msgs[0]["Body"] == '{"not": "a payment outcome"}'
    assert "malformed" in msgs[0]["MessageAttributes"]["DeadLetterReason"]["StringValue"]
    assert msgs[0]["MessageAttributes"]["DeliveryCount"]["StringValue"] == "2"
    assert call(f"{hosts.aws_url}/_admin/health")[1]["queues"]["payments"]["retried"] >= 1


def test_the_drill_order_stream_places_orders_with_a_cognito_id_token_and_idempotency_keys(
    hosts: Hosts, boto: Any
) -> None:
    """The drill's order stream against the real AWS host: the sandbox shopper's ID token passes, every order
    carries its own Idempotency-Key, an acknowledged order is really stored, and resending a key returns the same
    order (200, replayed) instead of placing a second one."""
    from multicloud_ctl.local.functions.shopclient import sign_up_id_token
    from multicloud_ctl.operations.failover.traffic import OrderStream

    status, product = call(
        f"{hosts.aws_url}/products", "POST", {"name": "Drill", "category": "drill", "price_cents": 100}, KEY
    )
    assert status == 201, product
    pid = product["product_id"]
    assert call(f"{hosts.aws_url}/inventory/{pid}", "PUT", {"available": 1000}, KEY)[0] == 200
    email = f"drill-{uuid.uuid4().hex[:6]}@example.com"
    token = sign_up_id_token(boto("cognito-idp"), hosts.client_id, email, "Drill-Passw0rd!", hosts.pool_id)
    stream = OrderStream(f"{hosts.aws_url}/orders", token, pid, email, f"drill-{uuid.uuid4().hex[:8]}", rate=20)
    stream.start()
    until = time.monotonic() + 15  # three orders, however long a loaded machine takes for them
    while len(stream.acknowledged_ids()) < 3 and time.monotonic() < until:
        time.sleep(0.05)
    summary = stream.stop()
    ids = stream.acknowledged_ids()
    assert summary["acknowledged"] == summary["sent"] == len(ids) >= 3, summary
    assert len({a.key for a in stream.attempts}) == summary["sent"]  # one key per order
    item = boto("dynamodb").get_item(TableName="Orders", Key={"order_id": {"S": ids[0]}})
    assert item["Item"]["idempotency_key"]["S"] == stream.attempts[0].key
    again = stream.place(stream.attempts[0].key)
    assert (again.status, again.order_id, again.replayed) == (200, ids[0], True)
    assert call(f"{hosts.aws_url}/inventory/{pid}")[1]["available"] == 1000 - len(ids)  # the replay reserved none
