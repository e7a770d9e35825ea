"""Bus events: one envelope for every message, and the fan-out of each event type to logical queues.

Queues are point-to-point, so a publisher sends one copy per consumer queue:
OrderPlaced -> orders (payment-processor), notifications, analytics;
PaymentSucceeded / PaymentFailed -> payments (order status), notifications, analytics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from multicloud_ctl.functions.domain.errors import Invalid

ORDER_PLACED = "OrderPlaced"
PAYMENT_SUCCEEDED = "PaymentSucceeded"
PAYMENT_FAILED = "PaymentFailed"

FANOUT: dict[str, tuple[str, ...]] = {
    # the queue that moves money or state goes last: if an earlier send fails, the order is cancelled before
    # anything could charge it (a transactional outbox would close the remaining gap)
    ORDER_PLACED: ("notifications", "analytics", "orders"),
    PAYMENT_SUCCEEDED: ("notifications", "analytics", "payments"),
    PAYMENT_FAILED: ("notifications", "analytics", "payments"),
}


@dataclass(frozen=True)
class Event:
    """One domain event; `id` is unique per event and lets consumers deduplicate redeliveries."""

    id: str
    type: str
    occurred_at: str
    source: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "source": self.source,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Event:
        """Parse an envelope; a malformed one raises Invalid (a poison message)."""
        try:
            data = raw["data"]
            if not isinstance(data, Mapping):
                raise TypeError("data must be an object")
            return cls(
                id=str(raw["id"]),
                type=str(raw["type"]),
                occurred_at=str(raw["occurred_at"]),
                source=str(raw.get("source", "")),
                data=dict(data),
            )
        except (KeyError, TypeError) as exc:
            raise Invalid(f"malformed event envelope: {exc}") from exc


class Publisher(Protocol):
    """Sends a message body to one logical queue."""

    def send(self, queue: str, body: Mapping[str, Any], *, message_id: str | None = None) -> None: ...


def publish(publisher: Publisher, event: Event) -> None:
    """Send one copy of `event` to every queue that consumes its type."""
    for queue in FANOUT.get(event.type, ()):
        publisher.send(queue, event.to_dict(), message_id=f"{event.id}:{queue}")
