"""The bus on Azure Service Bus (azure-servicebus): peek-lock receive, native abandon and dead-letter.

In the cloud the Functions host drives Service Bus triggers itself (MaxDeliveryCount on the queue); this
adapter serves senders (the order service publishing to Service Bus) and any explicit consumer loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from multicloud_ctl.functions.adapters.bus import BusError, Received, decode_body


def to_message(body: Mapping[str, Any], message_id: str | None, trace: Mapping[str, str] | None = None) -> Any:
    """The ServiceBusMessage for a body (JSON, with the event id as message id for duplicate detection);
    `trace` (traceparent, tracestate) travels as application properties."""
    from azure.servicebus import ServiceBusMessage

    return ServiceBusMessage(
        json.dumps(dict(body), sort_keys=True),
        message_id=message_id,
        content_type="application/json",
        application_properties={str(k): str(v) for k, v in (trace or {}).items()} or None,  # type: ignore[arg-type]
    )


def deliveries(amqp_delivery_count: int | None) -> int:
    """Which delivery this is, counting from 1 (what Service Bus calls DeliveryCount and MaxDeliveryCount counts).

    The AMQP 1.0 header's `delivery-count` is "the number of prior unsuccessful delivery attempts" (AMQP 1.0
    section 3.2.1), so Service Bus puts DeliveryCount - 1 on the wire and its .NET and Java clients add 1
    (azure-sdk-for-java PR #11845, "service bus puts (delivery count - 1) on the AMQP frame"). The Python
    client (azure-servicebus 7.x, `ServiceBusReceivedMessage.delivery_count`) returns the header unchanged: 0 on
    the first delivery. Reading `count or 1` made the second delivery "1" too, so a message dead-lettered one
    delivery late.
    """
    return int(amqp_delivery_count or 0) + 1


def from_message(queue: str, msg: Any) -> Received:
    """Our Received for a ServiceBusReceivedMessage (body sections joined; delivery counted from 1)."""
    raw = b"".join(bytes(part) for part in msg.body)
    received = Received(queue, decode_body(raw), str(msg.message_id), deliveries(msg.delivery_count), msg)
    props = msg.application_properties or {}
    for key in ("traceparent", "tracestate"):
        value = props.get(key) or props.get(key.encode())
        if value:
            received.properties[key] = value.decode() if isinstance(value, bytes) else str(value)
    return received


class ServiceBusBus:
    def __init__(
        self, connection_string: str, queue_name: Callable[[str], str] = lambda q: q, *, retry_total: int = 2
    ) -> None:
        from azure.servicebus import ServiceBusClient

        if not connection_string:
            raise BusError("MCCTL_FN_SERVICEBUS_CONNECTION is not set")
        self.client = ServiceBusClient.from_connection_string(connection_string, retry_total=retry_total)
        self.queue_name = queue_name
        self._receivers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        from azure.servicebus.exceptions import ServiceBusError

        try:
            return fn()
        except ServiceBusError as exc:
            raise BusError(f"service bus {what} failed: {type(exc).__name__}") from exc

    def send(self, queue: str, body: Mapping[str, Any], *, message_id: str | None = None) -> None:
        from multicloud_ctl.functions.observability import producer_span

        def go(trace: dict[str, str]) -> None:
            with self.client.get_queue_sender(self.queue_name(queue)) as sender:
                sender.send_messages(to_message(body, message_id, trace))

        with producer_span(queue) as carrier:
            self._call("send", lambda: go(carrier))

    def _receiver(self, queue: str) -> Any:
        with self._lock:
            if queue not in self._receivers:
                self._receivers[queue] = self.client.get_queue_receiver(self.queue_name(queue))
            return self._receivers[queue]

    def receive(
        self, queue: str, *, max_messages: int = 10, wait_seconds: int = 1, lock_seconds: int = 30
    ) -> list[Received]:
        receiver = self._receiver(queue)  # lock duration is a queue property on Service Bus
        msgs = self._call(
            "receive",
            lambda: receiver.receive_messages(max_message_count=max_messages, max_wait_time=wait_seconds),
        )
        return [from_message(queue, m) for m in msgs]

    def complete(self, msg: Received) -> None:
        self._call("complete", lambda: self._receiver(msg.queue).complete_message(msg.handle))

    def abandon(self, msg: Received) -> None:
        self._call("abandon", lambda: self._receiver(msg.queue).abandon_message(msg.handle))

    def dead_letter(self, msg: Received, reason: str) -> None:
        self._call(
            "dead-letter",
            lambda: self._receiver(msg.queue).dead_letter_message(
                msg.handle, reason=reason[:256], error_description=reason
            ),
        )

    def close(self) -> None:
        for receiver in self._receivers.values():
            receiver.close()
        self.client.close()
