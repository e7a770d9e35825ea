"""The domain stores on SQL (SQLAlchemy Core): Azure SQL in the cloud, SQLite or PostgreSQL in the sandbox.

products/inventory/orders/users are shared with the CDC sync: rows are read through `sql_rows.row_item`.

Stock is guarded by one conditional `UPDATE ... WHERE available >= :qty`, atomic on every engine; uniqueness
(idempotency keys, one transaction per order, processed event ids) comes from primary keys / unique
constraints, so concurrent callers race safely.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Engine, create_engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from multicloud_ctl.functions.adapters import sql_schema as t
from multicloud_ctl.functions.adapters.sql_rows import OWN_WRITE, live, materialize, row_item
from multicloud_ctl.functions.domain.clock import iso, utc_now
from multicloud_ctl.functions.domain.orders import Order
from multicloud_ctl.functions.domain.products import Page, Product
from multicloud_ctl.functions.domain.users import UserProfile


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets a busy timeout (concurrent writers wait instead of failing)."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        return create_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True)


def _cursor_out(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def _cursor_in(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        from multicloud_ctl.functions.domain.errors import Invalid

        raise Invalid("cursor: not a cursor from this API") from None


class SqlProducts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, product_id: str) -> Product | None:
        p = t.products
        with self.engine.connect() as conn:
            row = conn.execute(select(p).where(p.c.product_id == product_id, live(p))).mappings().first()
        return Product.from_dict(row_item(row)) if row else None

    def put(self, product: Product) -> None:
        _upsert(self.engine, t.products, t.products.c.product_id == product.product_id, product.to_dict())

    def delete(self, product_id: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(t.products).where(t.products.c.product_id == product_id)).rowcount)

    def list(self, category: str | None, limit: int, cursor: str | None) -> Page:
        p = t.products
        query = select(p).where(live(p)).order_by(p.c.product_id).limit(limit + 1)
        if category is not None:
            query = query.where(p.c.category == category)
        after = _cursor_in(cursor)
        if after is not None:
            query = query.where(p.c.product_id > after)
        with self.engine.connect() as conn:
            rows = [Product.from_dict(row_item(r)) for r in conn.execute(query).mappings()]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, _cursor_out(rows[-1].product_id) if more and rows else None)


def _upsert(engine: Engine, table: Any, key: Any, values: dict[str, Any]) -> None:
    """Write every column of an item (our row now: the synced document is dropped)."""
    row = {**values, **OWN_WRITE}
    with engine.begin() as conn:
        if not conn.execute(update(table).where(key).values(**row)).rowcount:
            conn.execute(insert(table).values(**row))


class SqlInventory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, product_id: str) -> int | None:
        i = t.inventory
        with self.engine.connect() as conn:
            row = conn.execute(select(i).where(i.c.product_id == product_id, live(i))).mappings().first()
        value = row_item(row).get("available") if row else None
        return None if value is None else int(value)

    def set(self, product_id: str, available: int) -> None:
        values = {"product_id": product_id, "available": available, "updated_at": iso(utc_now())}
        _upsert(self.engine, t.inventory, t.inventory.c.product_id == product_id, values)

    def _add(self, product_id: str, delta: int, *, guard: bool) -> int | None:
        c = t.inventory.c
        key = c.product_id == product_id
        stmt = update(t.inventory).where(key, live(t.inventory))
        if guard:
            stmt = stmt.where(c.available >= -delta)
        with self.engine.begin() as conn:
            materialize(conn, t.inventory, key, "available")
            if not conn.execute(stmt.values(available=c.available + delta, updated_at=iso(utc_now()))).rowcount:
                return None
            return conn.execute(select(c.available).where(key)).scalar()

    def try_reserve(self, product_id: str, qty: int) -> int | None:
        return self._add(product_id, -qty, guard=True)

    def release(self, product_id: str, qty: int) -> int | None:
        return self._add(product_id, qty, guard=False)


class SqlOrders:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, order_id: str) -> Order | None:
        o = t.orders
        with self.engine.connect() as conn:
            row = conn.execute(select(o).where(o.c.order_id == order_id, live(o))).mappings().first()
        if row is None:
            return None
        item = row_item(row)
        if isinstance(item.get("lines"), str):
            item["lines"] = json.loads(item["lines"])
        return Order.from_dict(item)

    def put(self, order: Order) -> None:
        values = order.to_dict()
        values["lines"] = json.dumps(values["lines"], sort_keys=True)
        _upsert(self.engine, t.orders, t.orders.c.order_id == order.order_id, values)

    def set_status(self, order_id: str, expected: str, new: str, updated_at: str) -> bool:
        c = t.orders.c
        key = c.order_id == order_id
        with self.engine.begin() as conn:
            materialize(conn, t.orders, key, "status")
            stmt = update(t.orders).where(key, c.status == expected, live(t.orders))
            return bool(conn.execute(stmt.values(status=new, updated_at=updated_at)).rowcount)


class SqlUsers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, user_id: str) -> UserProfile | None:
        u = t.users
        with self.engine.connect() as conn:
            row = conn.execute(select(u).where(u.c.user_id == user_id, live(u))).mappings().first()
        return UserProfile.from_dict(row_item(row)) if row else None

    def put(self, profile: UserProfile) -> None:
        _upsert(self.engine, t.users, t.users.c.user_id == profile.user_id, profile.to_dict())


class SqlIdempotency:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, key: str, value: str) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.idempotency).values(key=key, value=value, created_at=iso(utc_now())))
            return True
        except IntegrityError:
            return False

    def get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.idempotency.c.value).where(t.idempotency.c.key == key)).scalar()

    def forget(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.idempotency).where(t.idempotency.c.key == key))
