"""Service Bus delivery counting, read from the SDK's own message type built from AMQP frames as the service
sends them (header `delivery-count` = prior unsuccessful attempts: 0 on the first delivery)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
