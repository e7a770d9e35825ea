"""A message's lock outlives a slow handler on SQS (moto): the consumer renews the visibility timeout while
the handler runs, so a second consumer is not handed a message that is still being processed; with renewal
off, or once the consumer's process dies, the message comes back after one lock period.

Locks are 2 s here (renewed every third of that), slow handlers take 2.25 lock periods.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from multicloud_ctl.functions.adapters.bus import Outcome, Received, process_batch
from multicloud_ctl.functions.adapters.bus_sqs import SqsBus
from multicloud_ctl.functions.config import FunctionConfig

pytestmark = pytest.mark.integration
LOCK = 2  # seconds
SLOW = 4.5  # seconds a slow handler takes: more than two lock periods


@pytest.fixture
def fn_env(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    url = boto3.client("sqs", endpoint_url=aws, region_name="us-east-1").create_queue(QueueName="orders")["QueueUrl"]
    env = {
        "MCCTL_FN_AWS_ENDPOINT": aws,
        "MCCTL_FN_REGION": "us-east-1",
        "MCCTL_FN_BUS_KIND": "sqs",
        "MCCTL_FN_QUEUE_URL_ORDERS": url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield env


def competing_receive(bus: SqsBus, seconds: float) -> Received | None:
    """What a second consumer gets from `orders` within `seconds` (None: nothing was visible)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = bus.receive("orders", max_messages=1, wait_seconds=0, lock_seconds=LOCK)
        if got:
            return got[0]
        time.sleep(0.1)
    return None


def run_slow_consumer(bus: SqsBus, *, renew_locks: bool) -> tuple[threading.Thread, list[Outcome]]:
    outcomes: list[Outcome] = []
    started = threading.Event()

    def slow(body: dict[str, Any]) -> None:
        started.set()
        time.sleep(SLOW)

    def consume() -> None:
        outcomes.append(
            process_batch(
                bus, "orders", slow, max_deliveries=5, wait_seconds=1, lock_seconds=LOCK, renew_locks=renew_locks
            )
        )

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    assert started.wait(5), "the consumer never received the message"
    return thread, outcomes


def test_a_renewed_lock_keeps_a_slow_message_from_a_second_consumer(fn_env: dict[str, str]) -> None:
    cfg = FunctionConfig.from_env()
    first, second = SqsBus(cfg), SqsBus(cfg)
    first.send("orders", {"type": "OrderPlaced"}, message_id="e-renewed")
    thread, outcomes = run_slow_consumer(first, renew_locks=True)
    assert competing_receive(second, SLOW - 0.2) is None  # two lock periods passed, still locked
    thread.join(5)
    assert outcomes and outcomes[0].completed == 1
    assert competing_receive(second, LOCK + 0.5) is None  # completed: deleted, never redelivered


def test_without_renewal_a_slow_message_is_handed_out_again(fn_env: dict[str, str]) -> None:
    cfg = FunctionConfig.from_env()
    first, second = SqsBus(cfg), SqsBus(cfg)
    first.send("orders", {"type": "OrderPlaced"}, message_id="e-lapsed")
    thread, _ = run_slow_consumer(first, renew_locks=False)
    again = competing_receive(second, SLOW - 0.2)
    assert again is not None and again.message_id == "e-lapsed"
    assert again.delivery_count == 2  # a second delivery while the first handler is still running
    second.complete(again)
    thread.join(5)


def test_the_later_messages_of_a_batch_stay_locked_while_they_wait_their_turn(fn_env: dict[str, str]) -> None:
    """Two messages in one batch, each handled in 1.25 lock periods: the second waits longer than its lock."""
    cfg = FunctionConfig.from_env()
    first, second = SqsBus(cfg), SqsBus(cfg)
    for n in (1, 2):
        first.send("orders", {"type": "OrderPlaced", "n": n}, message_id=f"e-batch-{n}")
    started, outcomes = threading.Event(), []

    def handler(body: dict[str, Any]) -> None:
        started.set()
        time.sleep(LOCK * 1.25)

    def consume() -> None:
        outcomes.append(process_batch(first, "orders", handler, max_deliveries=5, max_messages=2, lock_seconds=LOCK))

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    assert started.wait(5)
    assert competing_receive(second, LOCK * 2.5 - 0.3) is None
    thread.join(5)
    assert outcomes and outcomes[0].completed == 2  # one batch of two


CONSUMER = """
import sys, time
from multicloud_ctl.functions.adapters.bus import process_batch
from multicloud_ctl.functions.adapters.bus_sqs import SqsBus
from multicloud_ctl.functions.config import FunctionConfig

def handler(body):
    print("handling", flush=True)
    time.sleep(60)

process_batch(SqsBus(FunctionConfig.from_env()), "orders", handler, max_deliveries=5, lock_seconds=int(sys.argv[1]))
"""


def test_a_consumer_that_dies_stops_renewing_and_its_message_comes_back(fn_env: dict[str, str]) -> None:
    bus = SqsBus(FunctionConfig.from_env())
    bus.send("orders", {"type": "OrderPlaced"}, message_id="e-orphan")
    proc = subprocess.Popen(
        [sys.executable, "-c", CONSUMER, str(LOCK)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **fn_env},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "handling"
        assert competing_receive(bus, SLOW - 0.2) is None  # alive: its heartbeat holds the lock
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        again = competing_receive(bus, LOCK + 1.5)  # dead: back after at most one lock period
        assert again is not None and again.message_id == "e-orphan" and again.delivery_count == 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


@pytest.mark.parametrize("renew_locks", [True, False], ids=["renewing", "not-renewing"])
def test_the_sandbox_service_bus_trigger_holds_the_lock_of_a_slow_handler(
    fn_env: dict[str, str], renew_locks: bool
) -> None:
    """The local functions host's Service Bus trigger (over the sandbox bus) renews as the Functions host
    does; a second trigger instance sees the message only when renewal is off."""
    from multicloud_ctl.functions.adapters.bus import make_bus
    from multicloud_ctl.local.functions.triggers import servicebus_trigger

    bus = make_bus(FunctionConfig.from_env())
    bus.send("orders", {"type": "OrderPlaced"}, message_id="e-trigger")
    started, seen = threading.Event(), []

    def slow(queue: str, body: Any) -> None:
        started.set()
        time.sleep(SLOW)

    busy = servicebus_trigger(bus, "orders", slow, max_deliveries=5, lock_seconds=LOCK, renew_locks=renew_locks)
    other = servicebus_trigger(bus, "orders", lambda q, b: seen.append(b), max_deliveries=5, lock_seconds=LOCK, wait=0)
    results: list[tuple[int, int, int]] = []
    thread = threading.Thread(target=lambda: results.append(busy()), daemon=True)
    thread.start()
    assert started.wait(5)
    deadline = time.monotonic() + SLOW - 0.2
    while time.monotonic() < deadline and not seen:
        other()
        time.sleep(0.1)
    thread.join(5)
    assert len(seen) == (0 if renew_locks else 1)
    if renew_locks:
        assert results == [(1, 0, 0)]  # the slow handler completed its message
