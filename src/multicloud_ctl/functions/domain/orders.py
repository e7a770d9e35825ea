"""Orders: placing one (idempotent, reserving stock with compensation, publishing OrderPlaced) and moving it
through its status machine.

    pending -> paid | payment_failed | cancelled
    paid -> shipped | cancelled        shipped -> delivered        payment_failed -> cancelled

Cancelling an order that still holds stock (pending, paid, payment_failed) releases it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from multicloud_ctl.functions.domain.clock import Env, iso
from multicloud_ctl.functions.domain.errors import Conflict, DomainError, Invalid, NotFound, Unavailable
from multicloud_ctl.functions.domain.events import ORDER_PLACED, Event, Publisher, publish
from multicloud_ctl.functions.domain.inventory import InventoryService, check_qty
from multicloud_ctl.functions.domain.products import ProductStore

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"paid", "payment_failed", "cancelled"}),
    "paid": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "payment_failed": frozenset({"cancelled"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
HOLDS_STOCK = frozenset({"pending", "paid", "payment_failed"})
PRODUCT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_LINES = 50


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class Order:
    order_id: str
    user_id: str
    status: str
    lines: tuple[OrderLine, ...]
    total_cents: int
    currency: str
    email: str = ""
    idempotency_key: str = ""
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lines"] = [asdict(line) for line in self.lines]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Order:
        lines = tuple(
            OrderLine(str(x["product_id"]), int(x["quantity"]), int(x["unit_price_cents"])) for x in raw["lines"]
        )
        return cls(
            order_id=str(raw["order_id"]),
            user_id=str(raw["user_id"]),
            status=str(raw["status"]),
            lines=lines,
            total_cents=int(raw["total_cents"]),
            currency=str(raw["currency"]),
            email=str(raw.get("email") or ""),
            idempotency_key=str(raw.get("idempotency_key") or ""),
            created_at=str(raw.get("created_at") or ""),
            updated_at=str(raw.get("updated_at") or ""),
        )


class OrderStore(Protocol):
    def get(self, order_id: str) -> Order | None: ...
    def put(self, order: Order) -> None: ...
    def set_status(self, order_id: str, expected: str, new: str, updated_at: str) -> bool:
        """Change the status only if it is still `expected` (a conditional write); False otherwise."""
        ...


class IdempotencyStore(Protocol):
    def claim(self, key: str, value: str) -> bool:
        """Record key -> value unless the key exists (conditional insert); True if this call won."""
        ...

    def get(self, key: str) -> str | None: ...
    def forget(self, key: str) -> None: ...


@dataclass(frozen=True)
class Placed:
    order: Order
    replayed: bool = False


def parse_lines(body: Mapping[str, Any]) -> dict[str, int]:
    """`{"lines": [{"product_id", "quantity"}]}` -> product id -> total quantity (duplicates merged)."""
    lines = body.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise Invalid(f"lines: a list of 1 to {MAX_LINES} items")
    merged: dict[str, int] = {}
    for line in lines:
        pid = line.get("product_id") if isinstance(line, Mapping) else None
        if not isinstance(pid, str) or not PRODUCT_ID.match(pid):
            raise Invalid("lines[]: each needs a product_id (1-128 letters, digits, ._:-) and a quantity")
        merged[line["product_id"]] = merged.get(line["product_id"], 0) + check_qty(line.get("quantity"))
    return merged


@dataclass
class OrderService:
    orders: OrderStore
    products: ProductStore
    inventory: InventoryService
    idempotency: IdempotencyStore
    bus: Publisher
    env: Env = field(default_factory=Env)
    source: str = "order-service"

    def place(
        self, user_id: str, email: str, body: Mapping[str, Any], idempotency_key: str | None, *, phone: str = ""
    ) -> Placed:
        """Place an order for `user_id`; the same Idempotency-Key returns the first order instead.

        `phone` (for SMS notifications) travels in the OrderPlaced event only; it is not stored on the order.
        """
        wanted = parse_lines(body)
        order_id = self.env.ids()
        scoped = ""
        if idempotency_key is not None:
            if not IDEMPOTENCY_KEY.match(idempotency_key):
                raise Invalid("Idempotency-Key: 1-128 characters of letters, digits and ._:-")
            scoped = f"{user_id}:{idempotency_key}"
            fingerprint = hashlib.sha256(json.dumps(sorted(wanted.items())).encode()).hexdigest()[:16]
            if not self.idempotency.claim(scoped, f"{order_id}|{fingerprint}"):
                previous_id, _, previous_fp = (self.idempotency.get(scoped) or "").partition("|")
                if previous_fp and previous_fp != fingerprint:
                    raise Conflict("this Idempotency-Key was used for a different order")
                existing = self.orders.get(previous_id) if previous_id else None
                if existing is None:
                    raise Conflict("a request with this Idempotency-Key is still in progress")
                return Placed(existing, replayed=True)
        try:
            order = self._reserve_and_persist(order_id, user_id, email, wanted, idempotency_key or "", phone)
        except BaseException:
            if scoped:
                self.idempotency.forget(scoped)
            raise
        return Placed(order)

    def _reserve_and_persist(
        self, order_id: str, user_id: str, email: str, wanted: dict[str, int], key: str, phone: str
    ) -> Order:
        lines: list[OrderLine] = []
        currency = ""
        for product_id, qty in sorted(wanted.items()):
            product = self.products.get(product_id)
            if product is None:
                raise Invalid(f"unknown product {product_id}")
            if currency and product.currency != currency:
                raise Invalid("all lines of an order must share one currency")
            currency = product.currency
            lines.append(OrderLine(product_id, qty, product.price_cents))
        reserved: list[OrderLine] = []
        try:
            for line in lines:  # sorted by product id: concurrent orders reserve in the same order
                self.inventory.reserve(line.product_id, line.quantity)
                reserved.append(line)
            now = iso(self.env.now())
            order = Order(
                order_id=order_id,
                user_id=user_id,
                status="pending",
                lines=tuple(lines),
                total_cents=sum(x.quantity * x.unit_price_cents for x in lines),
                currency=currency,
                email=email,
                idempotency_key=key,
                created_at=now,
                updated_at=now,
            )
            self.orders.put(order)
        except BaseException:
            self._release(reserved)
            raise
        try:
            data = {**order.to_dict(), **({"phone": phone} if phone else {})}
            publish(self.bus, Event(self.env.ids(), ORDER_PLACED, order.created_at, self.source, data))
        except Exception as exc:
            self._release(reserved)
            self.orders.put(replace(order, status="cancelled"))
            raise Unavailable("the order could not be queued; nothing was charged") from exc
        return order

    def _release(self, lines: list[OrderLine]) -> None:
        for line in lines:
            with contextlib.suppress(DomainError):  # a vanished stock row: nothing to give back
                self.inventory.release(line.product_id, line.quantity)

    def get(self, order_id: str, *, user_id: str | None = None) -> Order:
        """One order; with `user_id`, someone else's order is reported as not found."""
        order = self.orders.get(order_id)
        if order is None or (user_id is not None and order.user_id != user_id):
            raise NotFound(f"order {order_id} not found")
        return order

    def set_status(self, order_id: str, new: object) -> Order:
        """Move an order along TRANSITIONS; a concurrent change or a wrong move is a Conflict."""
        if not isinstance(new, str) or new not in TRANSITIONS:
            raise Invalid(f"status: one of {', '.join(TRANSITIONS)}")
        order = self.get(order_id)
        if new == order.status:
            return order
        if new not in TRANSITIONS[order.status]:
            raise Conflict(f"cannot move order from {order.status} to {new}")
        now = iso(self.env.now())
        if not self.orders.set_status(order_id, order.status, new, now):
            raise Conflict("the order changed concurrently; retry")
        if new == "cancelled" and order.status in HOLDS_STOCK:
            self._release(list(order.lines))
        return replace(order, status=new, updated_at=now)

    def apply_payment_outcome(self, event: Event) -> str:
        """PaymentSucceeded/PaymentFailed -> paid/payment_failed; a repeat or a later state is left alone."""
        from multicloud_ctl.functions.domain.events import PAYMENT_FAILED, PAYMENT_SUCCEEDED

        target = {PAYMENT_SUCCEEDED: "paid", PAYMENT_FAILED: "payment_failed"}.get(event.type)
        if target is None:
            raise Invalid(f"order status updater does not handle {event.type}")
        order_id = str(event.data.get("order_id") or "")
        order = self.orders.get(order_id)
        if order is None:
            raise NotFound(f"order {order_id} not found")  # not synced yet: retried, then dead-lettered
        if order.status != "pending":
            return order.status
        if not self.orders.set_status(order_id, "pending", target, iso(self.env.now())):
            current = self.orders.get(order_id)
            return current.status if current else target
        return target
