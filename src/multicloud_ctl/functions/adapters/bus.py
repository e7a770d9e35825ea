"""One bus interface over SQS (AWS, and the sandbox on moto) and Azure Service Bus.

send, receive with a lock (visibility timeout / peek-lock), complete, abandon, dead-letter. `process_batch`
is the consumer loop every host uses: the handler raising means "not done": the message is abandoned
(redelivered) until its Nth delivery fails, then dead-lettered with the failure as its reason.

`lock_seconds` means the same on every bus: how long a received message stays invisible to other consumers
without renewal (SQS: the VisibilityTimeout of the receive; Service Bus: the queue's lockDuration, which
provision sets). From receipt to settlement `process_batch` holds each lock (`bus.hold`), so the later
messages of a batch do not lapse while they wait: SQS extends the visibility timeout with a
ChangeMessageVisibility heartbeat, Service Bus renews with the SDK's AutoLockRenewer; renewal stops at
settlement or after `max_lock_renewal` seconds. A consumer that dies
stops renewing, so its messages come back after one lock period, as they should.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


class BusError(RuntimeError):
    """The bus could not be reached or refused the operation."""


@dataclass
class Received:
    """A locked message: settle it with complete, abandon or dead_letter."""

    queue: str
    body: dict[str, Any]
    message_id: str
    delivery_count: int
    handle: Any = field(repr=False, default=None)
    properties: dict[str, str] = field(default_factory=dict)  # trace context (traceparent, tracestate)


class Bus(Protocol):
    def send(self, queue: str, body: Mapping[str, Any], *, message_id: str | None = None) -> None: ...
    def receive(
        self, queue: str, *, max_messages: int = 10, wait_seconds: int = 1, lock_seconds: int = 30
    ) -> list[Received]: ...
    def hold(self, msg: Received, lock_seconds: int) -> AbstractContextManager[None]: ...
    def complete(self, msg: Received) -> None: ...
    def abandon(self, msg: Received) -> None: ...
    def dead_letter(self, msg: Received, reason: str) -> None: ...


@contextmanager
def heartbeat(
    renew: Callable[[Received, int], None], msg: Received, lock_seconds: int, *, max_seconds: float
) -> Iterator[None]:
    """Renew `msg`'s lock for another `lock_seconds` every third of a lock period while the block runs.

    Three renewals per period leave two periods of slack for a slow or failed renewal call. A renewal
    that fails stops the heartbeat (the lock is most likely lost already: the message will be redelivered
    and the handlers are idempotent); so does reaching `max_seconds`.
    """
    stop = threading.Event()

    def beat() -> None:
        deadline = time.monotonic() + max_seconds
        while not stop.wait(lock_seconds / 3) and time.monotonic() < deadline:
            try:
                renew(msg, lock_seconds)
            except Exception as exc:
                log.warning("lock renewal of %s on %s failed: %s", msg.message_id, msg.queue, exc)
                return

    thread = threading.Thread(target=beat, daemon=True, name=f"lock-{msg.queue}-{msg.message_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def decode_body(raw: str | bytes) -> dict[str, Any]:
    """A message body as a dict; anything that is not a JSON object becomes {"_raw": text} (a poison pill)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": text}


@dataclass
class Outcome:
    completed: int = 0
    abandoned: int = 0
    dead_lettered: int = 0


def process_batch(
    bus: Bus,
    queue: str,
    handler: Callable[[dict[str, Any]], object],
    *,
    max_deliveries: int,
    max_messages: int = 10,
    wait_seconds: int = 1,
    lock_seconds: int = 30,
    renew_locks: bool = True,
) -> Outcome:
    """Receive one batch from `queue` and settle every message according to `handler`'s outcome.

    Every message of the batch is held (its lock renewed) from receipt until it is settled, unless
    `renew_locks` is off: the later messages of a batch wait their turn without their locks lapsing.
    Renewal stops just before a message is settled.
    """
    import os

    from multicloud_ctl.functions.observability import consumer_span

    cloud = os.environ.get("MCCTL_FN_CLOUD", "aws")
    out = Outcome()
    batch = bus.receive(queue, max_messages=max_messages, wait_seconds=wait_seconds, lock_seconds=lock_seconds)
    with ExitStack() as holding:  # releases whatever is still held if settling raises
        locks = []
        for msg in batch:
            lock = holding.enter_context(ExitStack())
            if renew_locks:
                lock.enter_context(bus.hold(msg, lock_seconds))
            locks.append(lock)
        for msg, lock in zip(batch, locks, strict=True):
            failure = ""
            try:
                with consumer_span(cloud, queue, msg.properties, msg.body):
                    handler(msg.body)
            except Exception as exc:  # the handler's failure is data: the reason travels with the message
                failure = f"{type(exc).__name__}: {exc}"[:1000]
            lock.close()  # stop renewing before settling
            if not failure:
                bus.complete(msg)
                out.completed += 1
            elif msg.delivery_count >= max_deliveries:
                log.warning(
                    "dead-lettering %s from %s after %d deliveries: %s",
                    msg.message_id,
                    queue,
                    msg.delivery_count,
                    failure,
                )
                bus.dead_letter(msg, failure)
                out.dead_lettered += 1
            else:
                bus.abandon(msg)
                out.abandoned += 1
    return out


def make_bus(cfg: Any) -> Bus:
    """The bus that `cfg.bus_kind` names."""
    if cfg.bus_kind == "servicebus":
        from multicloud_ctl.functions.adapters.bus_servicebus import ServiceBusBus, entra_credential
        from multicloud_ctl.functions.adapters.secrets import resolve

        if cfg.servicebus_connection:  # an exact-match setting wins, as in the Functions host
            return ServiceBusBus(
                resolve(cfg.servicebus_connection), cfg.queue_name, max_lock_renewal=cfg.max_lock_renewal
            )
        return ServiceBusBus(
            queue_name=cfg.queue_name,
            fully_qualified_namespace=cfg.servicebus_namespace,
            credential=entra_credential(cfg.servicebus_credential, cfg.servicebus_client_id)
            if cfg.servicebus_namespace
            else None,
            max_lock_renewal=cfg.max_lock_renewal,
        )
    from multicloud_ctl.functions.adapters.bus_sqs import SqsBus

    return SqsBus(cfg)
