"""Adapters at their boundaries: Redis (127.0.0.1:6379) with its in-process fallback, the Stripe adapter with
the official SDK against a local server speaking Stripe's wire format, and the Service Bus adapter's edges."""

from __future__ import annotations

import json
import os
import socket
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis

from multicloud_ctl.functions.adapters.bus import BusError
from multicloud_ctl.functions.adapters.bus_servicebus import ServiceBusBus, to_message
from multicloud_ctl.functions.adapters.cache import RedisCache
from multicloud_ctl.functions.adapters.payments import StripeProvider
from multicloud_ctl.local.processes import free_port

pytestmark = pytest.mark.integration
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix on the machine's Redis; skipped with a clear line where no Redis runs (outside CI, which
    must have one), as the PostgreSQL tests are."""
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379 ({exc}): apt-get install redis-server, or start it")
    p = f"mcctl-test-{uuid.uuid4().hex[:8]}:"
    yield p
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{p}*"):
        client.delete(key)


def test_redis_cache_is_shared_between_processes(prefix: str) -> None:
    one, two = RedisCache(REDIS, prefix=prefix), RedisCache(REDIS, prefix=prefix)
    one.set("product:1", '{"name": "Mug"}', ttl=30)
    assert two.get("product:1") == '{"name": "Mug"}'
    assert 0 < redis.Redis.from_url(REDIS).ttl(f"{prefix}product:1") <= 30
    two.delete("product:1")
    assert one.get("product:1") is None and not one.degraded


def test_redis_outage_falls_back_to_the_in_process_cache() -> None:
    down = RedisCache(f"redis://127.0.0.1:{free_port()}/0", retry_after=60)
    down.set("k", "v", ttl=30)
    assert down.degraded and down.get("k") == "v"
    down.delete("k")
    assert down.get("k") is None


class FakeStripe(BaseHTTPRequestHandler):
    """POST /v1/payment_intents as Stripe answers it, including Idempotency-Key replay and card declines."""

    def do_POST(self) -> None:
        server: Any = self.server
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["content-length"])).decode()))
        server.auth.append(self.headers.get("authorization"))
        key = self.headers.get("idempotency-key")
        if key not in server.replies:
            server.created += 1
            pi = {
                "id": f"pi_{server.created}",
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "metadata": {"order_id": form.get("metadata[order_id]")},
            }
            if form["amount"].endswith("02"):
                body = {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "message": "Your card was declined.",
                        "payment_intent": {**pi, "status": "requires_payment_method"},
                    }
                }
                server.replies[key] = (402, body)
            else:
                server.replies[key] = (200, {**pi, "status": "succeeded"})
        status, body = server.replies[key]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:8]}")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stripe_api() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    server.replies, server.created, server.auth = {}, 0, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_stripe_adapter_charges_once_per_order_and_maps_declines(stripe_api: Any) -> None:
    provider = StripeProvider("sk_test_local", api_base=stripe_api.url)
    first = provider.charge(idempotency_key="o-1", amount_cents=1500, currency="usd", metadata={"order_id": "o-1"})
    again = provider.charge(idempotency_key="o-1", amount_cents=1500, currency="usd", metadata={"order_id": "o-1"})
    assert first.ok and first == again and stripe_api.created == 1
    declined = provider.charge(idempotency_key="o-2", amount_cents=1002, currency="usd", metadata={})
    assert not declined.ok and declined.reason == "card_declined" and declined.provider_ref == "pi_2"
    assert set(stripe_api.auth) == {"Bearer sk_test_local"}


def test_stripe_adapter_raises_on_transport_failure() -> None:
    import stripe

    provider = StripeProvider("sk_test_local", api_base=f"http://127.0.0.1:{free_port()}", retries=0)
    with pytest.raises(stripe.APIConnectionError):
        provider.charge(idempotency_key="o-3", amount_cents=100, currency="usd", metadata={})


def test_service_bus_message_shape() -> None:
    msg = to_message({"id": "e1", "type": "OrderPlaced"}, "e1:orders")
    assert msg.message_id == "e1:orders" and msg.content_type == "application/json"
    assert json.loads(str(msg)) == {"id": "e1", "type": "OrderPlaced"}


def test_service_bus_failures_become_bus_errors() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    stop = threading.Event()

    def slam() -> None:  # accept and hang up: not an AMQP broker
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                conn.close()
            except OSError:
                continue

    threading.Thread(target=slam, daemon=True).start()
    port = listener.getsockname()[1]
    conn = (
        f"Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true"
    )
    bus = ServiceBusBus(conn, retry_total=0)
    try:
        with pytest.raises(BusError, match="service bus send failed"):
            bus.send("orders", {"id": "e1"}, message_id="e1")
    finally:
        bus.close()
        stop.set()
        listener.close()
    with pytest.raises(BusError, match="MCCTL_FN_SERVICEBUS_CONNECTION"):
        ServiceBusBus("")


def test_hot_catalog_reads_come_from_redis(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from fn_support import API_KEY, apigw_event

    from multicloud_ctl.functions.aws_lambda.router import route

    monkeypatch.setenv("MCCTL_FN_REDIS_URL", REDIS)
    svc = {"X-Api-Key": API_KEY}
    made = route(
        apigw_event("POST", "/products", headers=svc, body={"name": "Kettle", "category": "k", "price_cents": 9})
    )
    pid = json.loads(made["body"])["product_id"]
    client = redis.Redis.from_url(REDIS, decode_responses=True)
    try:
        assert route(apigw_event("GET", f"/products/{pid}"))["statusCode"] == 200
        assert json.loads(client.get(f"mcctl:product:{pid}") or "{}")["name"] == "Kettle"
        import boto3

        boto3.client("dynamodb", endpoint_url=shop.url, region_name="us-east-1").update_item(
            TableName="Products",
            Key={"product_id": {"S": pid}},
            UpdateExpression="SET #n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": "Behind the cache"}},
        )
        assert json.loads(route(apigw_event("GET", f"/products/{pid}"))["body"])["name"] == "Kettle"  # a hot read
        route(apigw_event("PUT", f"/products/{pid}", headers=svc, body={"price_cents": 10}))
        assert client.get(f"mcctl:product:{pid}") is None  # a write invalidates
        assert json.loads(route(apigw_event("GET", f"/products/{pid}"))["body"])["name"] == "Behind the cache"
    finally:
        client.delete(f"mcctl:product:{pid}")
