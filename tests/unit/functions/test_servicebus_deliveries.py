"""Service Bus delivery counting, read from the SDK's own message type built from AMQP frames as the service
sends them (header `delivery-count` = prior unsuccessful attempts: 0 on the first delivery)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest

from multicloud_ctl.functions.adapters.bus import Received, process_batch
from multicloud_ctl.functions.adapters.bus_servicebus import from_message


def sdk_message(message_id: str, amqp_delivery_count: int) -> Any:
    from azure.servicebus import ServiceBusReceivedMessage
    from azure.servicebus._pyamqp.message import Header, Message, Properties

    frame = Message(
        data=[b'{"type": "OrderPlaced"}'],
        header=Header(delivery_count=amqp_delivery_count),
        properties=Properties(message_id=message_id.encode()),
    )
    return ServiceBusReceivedMessage(frame, receiver=None)


class OneBatch:
    """A bus holding one received batch (our `Bus` protocol), recording how each message was settled."""

    def __init__(self, messages: list[Any]) -> None:
        self.batch = [from_message("payments", m) for m in messages]
        self.settled: dict[str, str] = {}

    def send(self, queue: str, body: Mapping[str, Any], *, message_id: str | None = None) -> None:
        raise AssertionError("not used")

    def receive(self, queue: str, **_: Any) -> list[Received]:
        return self.batch

    def hold(self, msg: Received, lock_seconds: int) -> AbstractContextManager[None]:
        return nullcontext()

    def complete(self, msg: Received) -> None:
        self.settled[msg.message_id] = "completed"

    def abandon(self, msg: Received) -> None:
        self.settled[msg.message_id] = "abandoned"

    def dead_letter(self, msg: Received, reason: str) -> None:
        self.settled[msg.message_id] = f"dead-lettered after {msg.delivery_count}"


def test_the_first_delivery_is_delivery_1_and_the_count_follows_the_header() -> None:
    assert [from_message("q", sdk_message("m", n)).delivery_count for n in (0, 1, 2, 9)] == [1, 2, 3, 10]


def test_a_failing_message_is_dead_lettered_on_its_nth_delivery_not_one_later() -> None:
    bus = OneBatch([sdk_message("second", 1), sdk_message("third", 2)])

    def fails(body: dict[str, Any]) -> None:
        raise RuntimeError("payment provider down")

    out = process_batch(bus, "payments", fails, max_deliveries=3)
    assert bus.settled == {"second": "abandoned", "third": "dead-lettered after 3"}
    assert (out.abandoned, out.dead_lettered) == (1, 1)


class LocalQueueReceiver:
    """A queue receiver of our own with the methods ServiceBusBus and the SDK's AutoLockRenewer call: it
    hands out the messages it holds and records settlements and lock renewals instead of sending them to a
    broker (no Service Bus broker runs here)."""

    _running = True
    session = None

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.renewed: list[str] = []
        self.completed: list[str] = []

    def receive_messages(self, max_message_count: int, max_wait_time: float) -> list[Any]:
        out, self.messages = self.messages[:max_message_count], self.messages[max_message_count:]
        return out

    def renew_message_lock(self, message: Any) -> None:
        self.renewed.append(str(message.message_id))

    def complete_message(self, message: Any) -> None:
        self.completed.append(str(message.message_id))

    def close(self) -> None:
        self._running = False


def locked_message(message_id: str, receiver: LocalQueueReceiver, lock_seconds: float) -> Any:
    """The SDK's received message as the broker sends it, locked for `lock_seconds` from now."""
    from datetime import UTC, datetime

    from azure.servicebus import ServiceBusReceivedMessage
    from azure.servicebus._pyamqp.message import Header, Message, Properties

    until_ms = int(datetime.now(UTC).timestamp() * 1000 + lock_seconds * 1000)
    frame = Message(
        data=[b'{"type": "OrderPlaced"}'],
        header=Header(delivery_count=0),
        properties=Properties(message_id=message_id.encode()),
        message_annotations={b"x-opt-locked-until": until_ms},
    )
    return ServiceBusReceivedMessage(frame, receiver=receiver)  # type: ignore[arg-type]


@pytest.mark.parametrize("renew_locks", [True, False], ids=["renewing", "not-renewing"])
def test_a_slow_handler_has_its_service_bus_lock_renewed_by_the_sdk_renewer(renew_locks: bool) -> None:
    """A 2 s lock, a 2.2 s handler: the SDK's AutoLockRenewer renews shortly before expiry when we hold."""
    import time

    from multicloud_ctl.functions.adapters.bus_servicebus import ServiceBusBus

    receiver = LocalQueueReceiver()
    receiver.messages = [locked_message("slow", receiver, lock_seconds=2)]
    bus = ServiceBusBus(fully_qualified_namespace="shop-bus.servicebus.windows.net", credential=object())
    bus._receivers["orders"] = receiver  # our receiver in place of the SDK's AMQP one
    try:
        out = process_batch(
            bus, "orders", lambda body: time.sleep(2.2), max_deliveries=3, lock_seconds=2, renew_locks=renew_locks
        )
    finally:
        bus.close()
    assert out.completed == 1 and receiver.completed == ["slow"]
    assert bool(receiver.renewed) is renew_locks, receiver.renewed
