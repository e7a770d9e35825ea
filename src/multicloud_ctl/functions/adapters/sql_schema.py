"""The SQL schema the functions use (Azure SQL in the cloud; SQLite/PostgreSQL in the sandbox).

`products`, `inventory`, `orders` and `users` are the CDC targets (playbooks/sync.yaml) and what the standby API
serves: column names are the DynamoDB attribute names, and each table carries the sync's bookkeeping columns
(`_doc` typed item, `_hash`, `_seq`, `_deleted`, `_source_time`, see `cdc.schema.bookkeeping_columns`). A synced
row may fill only the projected columns: the stores read the rest from `_doc`, so every data column is
nullable. The columns the standby writes conditionally must be projected by the sync: `inventory.available`
(the stock guard) and `orders.status` (transitions); `products.category` serves listing by category.
`orders.lines` is JSON text. Transactions, Analytics, ProcessedEvents and Idempotency belong to the functions.
The Alembic migrations are generated from this `metadata`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from multicloud_ctl.functions.cdc.schema import bookkeeping_columns

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("category", String(100)),
    Column("price_cents", BigInteger),
    Column("currency", String(3)),
    Column("description", Text),
    Column("image_key", String(512)),
    Column("created_at", String(40)),
    Column("updated_at", String(40)),
    *bookkeeping_columns(),
    Index("ix_products_category", "category", "product_id"),
)

inventory = Table(
    "inventory",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("available", BigInteger),
    Column("updated_at", String(40)),
    *bookkeeping_columns(),
    CheckConstraint("available >= 0", name="ck_inventory_available_nonnegative"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("user_id", String(128)),
    Column("status", String(32)),
    Column("lines", Text),
    Column("total_cents", BigInteger),
    Column("currency", String(3)),
    Column("email", String(320)),
    Column("idempotency_key", String(128)),
    Column("created_at", String(40)),
    Column("updated_at", String(40)),
    *bookkeeping_columns(),
    Index("ix_orders_user", "user_id", "created_at"),
)

users = Table(
    "users",
    metadata,
    Column("user_id", String(128), primary_key=True),
    Column("email", String(320)),
    Column("display_name", String(500)),
    Column("phone", String(32)),
    Column("address", String(500)),
    Column("marketing_opt_in", Boolean),
    Column("created_at", String(40)),
    Column("updated_at", String(40)),
    *bookkeeping_columns(),
)

idempotency = Table(
    "Idempotency",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", String(32), nullable=False, server_default=""),
)

transactions = Table(
    "Transactions",
    metadata,
    Column("transaction_id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("provider_ref", String(128), nullable=False, server_default=""),
    Column("reason", String(500), nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("order_id", name="uq_transactions_order_id"),  # the exactly-once charge key
)

analytics = Table(
    "Analytics",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("dimension", String(128), nullable=False),
    Column("day", String(10), nullable=False),
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("metric", "dimension", "day", name="pk_analytics"),
)

processed_events = Table(
    "ProcessedEvents",
    metadata,
    Column("consumer", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("processed_at", String(32), nullable=False, server_default=""),
    PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_events"),
)


def create_all(engine: Any) -> None:
    """Create every table that does not exist yet (the sandbox and tests; the cloud uses Alembic)."""
    metadata.create_all(engine)
