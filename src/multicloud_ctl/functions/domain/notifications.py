"""Customer notifications: one template per event type, rendered to e-mail (and SMS when a phone is known).

Delivery is at-least-once: an event already recorded as notified is skipped, and it is recorded only after
sending, so a crash in between re-sends rather than loses a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from typing import Any, Protocol

from multicloud_ctl.functions.domain.events import ORDER_PLACED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, Event


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    body: str
    sms: str


TEMPLATES: dict[str, MessageTemplate] = {
    ORDER_PLACED: MessageTemplate(
        "Order $order_id received",
        "Hello,\n\nwe received your order $order_id ($items item(s), $total $currency).\n"
        "We will let you know as soon as the payment is confirmed.\n\n-- The shop\n",
        "Order $order_id received: $total $currency.",
    ),
    PAYMENT_SUCCEEDED: MessageTemplate(
        "Payment for order $order_id confirmed",
        "Hello,\n\nyour payment of $total $currency for order $order_id succeeded (ref $provider_ref).\n\n"
        "-- The shop\n",
        "Payment of $total $currency for order $order_id confirmed.",
    ),
    PAYMENT_FAILED: MessageTemplate(
        "Payment for order $order_id failed",
        "Hello,\n\nwe could not charge $total $currency for order $order_id: $reason.\n\n-- The shop\n",
        "Payment for order $order_id failed.",
    ),
}


@dataclass(frozen=True)
class Rendered:
    to: str
    subject: str
    body: str


class EmailSender(Protocol):
    def send(self, message: Rendered) -> None: ...


class SmsSender(Protocol):
    def send_sms(self, to: str, text: str) -> None: ...


class SeenStore(Protocol):
    def seen(self, consumer: str, event_id: str) -> bool: ...
    def mark(self, consumer: str, event_id: str) -> bool: ...


def context_for(event: Event) -> dict[str, str]:
    """Template variables of an event (money as decimal units)."""
    data: Mapping[str, Any] = event.data
    cents = int(data.get("total_cents", data.get("amount_cents", 0)) or 0)
    lines = data.get("lines") or []
    return {
        "order_id": str(data.get("order_id", "")),
        "total": f"{cents / 100:.2f}",
        "currency": str(data.get("currency", "")).upper(),
        "reason": str(data.get("reason") or "declined"),
        "provider_ref": str(data.get("provider_ref", "")),
        "items": str(sum(int(x.get("quantity", 0)) for x in lines if isinstance(x, Mapping))),
    }


def render(event: Event, to: str) -> Rendered | None:
    """The e-mail for an event, or None when there is no template for its type."""
    tpl = TEMPLATES.get(event.type)
    if tpl is None:
        return None
    ctx = context_for(event)
    return Rendered(to, Template(tpl.subject).safe_substitute(ctx), Template(tpl.body).safe_substitute(ctx))


class NotificationService:
    consumer = "notification-service"

    def __init__(self, email: EmailSender, sms: SmsSender, seen: SeenStore) -> None:
        self.email, self.sms, self.seen_store = email, sms, seen

    def handle(self, event: Event) -> list[str]:
        """Send what the event calls for; returns the channels used (empty for a duplicate or no template)."""
        if event.type not in TEMPLATES or self.seen_store.seen(self.consumer, event.id):
            return []
        sent: list[str] = []
        to = str(event.data.get("email") or "")
        message = render(event, to)
        if to and message is not None:
            self.email.send(message)
            sent.append("email")
        phone = str(event.data.get("phone") or "")
        if phone:
            self.sms.send_sms(phone, Template(TEMPLATES[event.type].sms).safe_substitute(context_for(event)))
            sent.append("sms")
        self.seen_store.mark(self.consumer, event.id)
        return sent
