"""Payment processing for OrderPlaced: charge once per order, record the transaction, publish the outcome.

Exactly-once charging rests on two keys that are both the order id: the `Transactions` row (unique) and the
provider's idempotency key. A redelivered message finds the row: a finished one is only re-announced, a
`pending` one (a crash mid-charge) is retried with the same provider key, which the provider deduplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from multicloud_ctl.functions.domain.clock import Env, iso
from multicloud_ctl.functions.domain.errors import Invalid
from multicloud_ctl.functions.domain.events import (
    ORDER_PLACED,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    Event,
    Publisher,
    publish,
)


@dataclass(frozen=True)
class Charge:
    """A provider's answer: `ok` False is a decline (a business outcome, not an error)."""

    ok: bool
    provider_ref: str
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, idempotency_key: str, amount_cents: int, currency: str, metadata: Mapping[str, str]) -> Charge:
        """Charge once per idempotency key; raise only for transient failures (the message is retried)."""
        ...


@dataclass(frozen=True)
class Transaction:
    order_id: str
    user_id: str
    amount_cents: int
    currency: str
    status: str  # pending | succeeded | failed
    provider: str
    provider_ref: str = ""
    reason: str = ""
    created_at: str = ""
    updated_at: str = ""


class TransactionStore(Protocol):
    def begin(self, tx: Transaction) -> bool:
        """Insert a pending row; False if a row for this order already exists (unique constraint)."""
        ...

    def get(self, order_id: str) -> Transaction | None: ...
    def finish(self, order_id: str, status: str, provider_ref: str, reason: str, updated_at: str) -> None: ...


@dataclass
class PaymentProcessor:
    transactions: TransactionStore
    provider: PaymentProvider
    bus: Publisher
    env: Env = field(default_factory=Env)

    def handle(self, event: Event) -> Transaction:
        """Process one OrderPlaced event (safe to call again with the same event)."""
        if event.type != ORDER_PLACED:
            raise Invalid(f"payment-processor does not handle {event.type}")
        data = event.data
        try:
            order_id, amount = str(data["order_id"]), int(data["total_cents"])
            user_id, currency = str(data["user_id"]), str(data["currency"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid(f"OrderPlaced without {exc}") from exc
        now = iso(self.env.now())
        tx = Transaction(
            order_id, user_id, amount, currency, "pending", self.provider.name, created_at=now, updated_at=now
        )
        if not self.transactions.begin(tx):
            existing = self.transactions.get(order_id)
            if existing is not None and existing.status != "pending":
                self._announce(existing, event)
                return existing
        charge = self.provider.charge(
            idempotency_key=order_id,
            amount_cents=amount,
            currency=currency,
            metadata={"order_id": order_id, "user_id": user_id},
        )
        status = "succeeded" if charge.ok else "failed"
        self.transactions.finish(order_id, status, charge.provider_ref, charge.reason, iso(self.env.now()))
        done = self.transactions.get(order_id)
        assert done is not None
        self._announce(done, event)
        return done

    def _announce(self, tx: Transaction, cause: Event) -> None:
        kind = PAYMENT_SUCCEEDED if tx.status == "succeeded" else PAYMENT_FAILED
        data: dict[str, Any] = {
            "order_id": tx.order_id,
            "user_id": tx.user_id,
            "amount_cents": tx.amount_cents,
            "currency": tx.currency,
            "provider_ref": tx.provider_ref,
            "reason": tx.reason,
            "email": cause.data.get("email", ""),
            "phone": cause.data.get("phone", ""),
            "lines": cause.data.get("lines", []),
        }
        # a deterministic id: a re-announcement is the same event, so consumers deduplicate it
        publish(self.bus, Event(f"{kind}:{tx.order_id}", kind, tx.updated_at, "payment-processor", data))
