"""Analytics aggregates from order and payment events: revenue per day, units per product, order counts.

An event becomes a list of counter increments; the store applies them together with the event id in one
transaction, so a redelivered event never counts twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from multicloud_ctl.functions.domain.events import ORDER_PLACED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, Event


@dataclass(frozen=True)
class Increment:
    metric: str  # revenue_cents | units | orders | payments_failed
    dimension: str  # product id, currency or "*"
    day: str  # YYYY-MM-DD (UTC)
    value: int


class AnalyticsStore(Protocol):
    def apply(self, event_id: str, increments: list[Increment]) -> bool:
        """Apply all increments unless `event_id` was applied before; True if applied now."""
        ...


def increments_for(event: Event) -> list[Increment]:
    data: Mapping[str, Any] = event.data
    day = (event.occurred_at or "")[:10] or "unknown"
    if event.type == ORDER_PLACED:
        out = [Increment("orders", "*", day, 1)]
        for line in data.get("lines") or []:
            out.append(Increment("units", str(line["product_id"]), day, int(line["quantity"])))
        return out
    if event.type == PAYMENT_SUCCEEDED:
        return [Increment("revenue_cents", str(data.get("currency", "")), day, int(data["amount_cents"]))]
    if event.type == PAYMENT_FAILED:
        return [Increment("payments_failed", "*", day, 1)]
    return []


class AnalyticsProcessor:
    def __init__(self, store: AnalyticsStore) -> None:
        self.store = store

    def handle(self, event: Event) -> bool:
        """Fold one event into the aggregates; False if it had been folded in already (or means nothing)."""
        increments = increments_for(event)
        return bool(increments) and self.store.apply(event.id, increments)
