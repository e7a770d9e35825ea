"""The bus on Azure Service Bus (azure-servicebus): peek-lock receive, native abandon and dead-letter.

In the cloud the Functions host drives Service Bus triggers itself (MaxDeliveryCount on the queue); this
adapter serves senders (the order service publishing to Service Bus) and any explicit consumer loop.

Authentication is Microsoft Entra ID: provision creates the namespace with `disableLocalAuth: true`, so the
service refuses SAS tokens and with them every connection string. The client is built from the fully
qualified namespace and a token credential (`ServiceBusClient(fully_qualified_namespace, credential)`,
azure-servicebus 7.x; learn.microsoft.com/python/api/azure-servicebus/azure.servicebus.servicebusclient),
read from the same app settings the Functions host uses for the trigger's identity-based connection
(`<CONNECTION>__fullyQualifiedNamespace`, optional `__credential=managedidentity` and `__clientId`). A
connection string (`<CONNECTION>` itself) still wins when set, as it does for the host: only the local
emulator uses one.

Locks: Service Bus locks a message for the queue's `lockDuration` (set at provision, at most PT5M); a
handler that runs longer must renew it or the message is redelivered while still being processed. `hold`
registers the message with the SDK's `AutoLockRenewer`, which renews shortly before `locked_until_utc`
until the message is settled or `max_lock_renewal` seconds have passed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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


def entra_credential(credential_kind: str = "", client_id: str = "") -> Any:
    """The token credential for an identity-based connection (`__credential`, `__clientId` settings).

    `managedidentity` (with a client id for a user-assigned identity) is what the Functions host itself
    uses; otherwise DefaultAzureCredential, which picks the app's managed identity on App Service and the
    developer's login elsewhere.
    """
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if credential_kind.lower() == "managedidentity":
        return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
    if client_id:
        return DefaultAzureCredential(managed_identity_client_id=client_id)
    return DefaultAzureCredential()


class ServiceBusBus:
    """Send, peek-lock receive and settle on Service Bus; one client, one receiver per queue."""

    def __init__(
        self,
        connection_string: str = "",
        queue_name: Callable[[str], str] = lambda q: q,
        *,
        fully_qualified_namespace: str = "",
        credential: Any = None,
        retry_total: int = 2,
        max_lock_renewal: float = 300.0,
    ) -> None:
        from azure.servicebus import AutoLockRenewer, ServiceBusClient

        if connection_string:
            self.client = ServiceBusClient.from_connection_string(connection_string, retry_total=retry_total)
        elif fully_qualified_namespace:
            self.client = ServiceBusClient(
                fully_qualified_namespace,
                credential if credential is not None else entra_credential(),
                retry_total=retry_total,
            )
        else:
            raise BusError(
                "neither MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace (Entra ID) nor "
                "MCCTL_FN_SERVICEBUS_CONNECTION (a connection string, emulator only) is set"
            )
        self.queue_name = queue_name
        self.max_lock_renewal = max_lock_renewal
        self.renewer = AutoLockRenewer(max_lock_renewal_duration=max_lock_renewal)
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
        # The lock duration is the queue's `lockDuration` on Service Bus (provision sets it from the same
        # setting as `lock_seconds`); `hold` keeps it while the handler runs.
        receiver = self._receiver(queue)
        msgs = self._call(
            "receive",
            lambda: receiver.receive_messages(max_message_count=max_messages, max_wait_time=wait_seconds),
        )
        return [from_message(queue, m) for m in msgs]

    @contextmanager
    def hold(self, msg: Received, lock_seconds: int) -> Iterator[None]:
        """Keep `msg` locked while the block runs (the SDK's AutoLockRenewer renews it before it expires)."""
        self.renewer.register(self._receiver(msg.queue), msg.handle, max_lock_renewal_duration=self.max_lock_renewal)
        yield  # settling the message ends its renewal (the renewer skips settled messages)

    def renew(self, msg: Received, lock_seconds: int) -> None:
        """Renew `msg`'s lock once, for another `lockDuration` of its queue."""
        self._call("renew lock", lambda: self._receiver(msg.queue).renew_message_lock(msg.handle))

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
        self.renewer.close()
        for receiver in self._receivers.values():
            receiver.close()
        self.client.close()
