"""Payment providers: the sandbox (local, deterministic) and Stripe through the official SDK.

Both honour the idempotency key: charging the same key twice returns the first result and moves money once.
Declines are outcomes (`Charge.ok` False); transport failures raise so the message is redelivered.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from multicloud_ctl.functions.domain.payments import Charge


@dataclass
class SandboxProvider:
    """Charges in memory. Amounts ending in 02 cents are declined (like a test card), the rest succeed."""

    name: str = "sandbox"
    charges: dict[str, Charge] = field(default_factory=dict)
    moved: list[tuple[str, int, str]] = field(default_factory=list)  # (key, amount, currency) per real charge
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def charge(self, *, idempotency_key: str, amount_cents: int, currency: str, metadata: Mapping[str, str]) -> Charge:
        with self._lock:
            if idempotency_key in self.charges:
                return self.charges[idempotency_key]
            if amount_cents % 100 == 2:
                result = Charge(False, f"sbx_{len(self.charges) + 1:06d}", "card_declined")
            else:
                result = Charge(True, f"sbx_{len(self.charges) + 1:06d}")
                self.moved.append((idempotency_key, amount_cents, currency))
            self.charges[idempotency_key] = result
            return result


class StripeProvider:
    """A confirmed PaymentIntent per order; the order id is Stripe's Idempotency-Key."""

    name = "stripe"

    def __init__(
        self, api_key: str, *, api_base: str = "", payment_method: str = "pm_card_visa", retries: int = 2
    ) -> None:
        import stripe

        kwargs: dict[str, object] = {"max_network_retries": retries}
        if api_base:
            kwargs["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(api_key, **kwargs)  # type: ignore[arg-type]
        self.payment_method = payment_method

    def charge(self, *, idempotency_key: str, amount_cents: int, currency: str, metadata: Mapping[str, str]) -> Charge:
        import stripe

        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount_cents,
                    "currency": currency,
                    "confirm": True,
                    "payment_method": self.payment_method,
                    "metadata": dict(metadata),
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                },
                options={"idempotency_key": f"order-{idempotency_key}"},
            )
        except stripe.CardError as exc:
            intent_id = getattr(getattr(exc.error, "payment_intent", None), "id", "")
            return Charge(False, str(intent_id or ""), exc.code or "card_declined")
        if intent.status == "succeeded":
            return Charge(True, intent.id)
        return Charge(False, intent.id, f"status {intent.status}")
