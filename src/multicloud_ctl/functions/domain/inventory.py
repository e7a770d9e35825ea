"""Stock levels: set, read, reserve and release. The store's conditional writes keep stock >= 0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from multicloud_ctl.functions.domain.errors import Invalid, NotFound, OutOfStock

MAX_QTY = 1_000_000


@dataclass(frozen=True)
class StockLevel:
    product_id: str
    available: int

    def to_dict(self) -> dict[str, object]:
        return {"product_id": self.product_id, "available": self.available}


class InventoryStore(Protocol):
    def get(self, product_id: str) -> int | None: ...
    def set(self, product_id: str, available: int) -> None: ...
    def try_reserve(self, product_id: str, qty: int) -> int | None:
        """Atomically subtract `qty` if at least `qty` is available; the new level, or None if not."""
        ...

    def release(self, product_id: str, qty: int) -> int | None:
        """Atomically add `qty` back to an existing row; the new level, or None when there is no row."""
        ...


def check_qty(qty: object, *, allow_zero: bool = False) -> int:
    """A quantity from a request body; raises Invalid."""
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < (0 if allow_zero else 1) or qty > MAX_QTY:
        raise Invalid(f"quantity: an integer between {0 if allow_zero else 1} and {MAX_QTY}")
    return qty


class InventoryService:
    def __init__(self, store: InventoryStore) -> None:
        self.store = store

    def get(self, product_id: str) -> StockLevel:
        level = self.store.get(product_id)
        if level is None:
            raise NotFound(f"no stock record for product {product_id}")
        return StockLevel(product_id, level)

    def set_level(self, product_id: str, available: object) -> StockLevel:
        level = check_qty(available, allow_zero=True)
        self.store.set(product_id, level)
        return StockLevel(product_id, level)

    def reserve(self, product_id: str, qty: object) -> StockLevel:
        n = check_qty(qty)
        level = self.store.try_reserve(product_id, n)
        if level is None:
            if self.store.get(product_id) is None:
                raise NotFound(f"no stock record for product {product_id}")
            raise OutOfStock(product_id, n)
        return StockLevel(product_id, level)

    def release(self, product_id: str, qty: object) -> StockLevel:
        n = check_qty(qty)
        level = self.store.release(product_id, n)
        if level is None:
            raise NotFound(f"no stock record for product {product_id}")
        return StockLevel(product_id, level)
