"""The SQL schema the functions use (Azure SQL in the cloud; SQLite/PostgreSQL in the sandbox).

Products, Inventory, Orders and Users mirror the DynamoDB items (the CDC sync fills them, the standby API
serves them). Transactions, Analytics and ProcessedEvents belong to the Azure-side consumers. Column names
are the DynamoDB attribute names, so a synced item maps 1:1 to a row; `Orders.lines` is JSON text.
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

metadata = MetaData()

products = Table(
    "Products",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(64), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False, server_default="usd"),
    Column("description", Text, nullable=False, server_default=""),
    Column("image_key", String(512), nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False, server_default=""),
    Column("updated_at", String(32), nullable=False, server_default=""),
    Index("ix_products_category", "category", "product_id"),
)

inventory = Table(
    "Inventory",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("available", BigInteger, nullable=False),
    Column("updated_at", String(32), nullable=False, server_default=""),
    CheckConstraint("available >= 0", name="ck_inventory_available_nonnegative"),
)

orders = Table(
    "Orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("user_id", String(128), nullable=False),
    Column("status", String(32), nullable=False),
    Column("lines", Text, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("email", String(320), nullable=False, server_default=""),
    Column("idempotency_key", String(128), nullable=False, server_default=""),
    Column("created_at", String(32), nullable=False, server_default=""),
    Column("updated_at", String(32), nullable=False, server_default=""),
    Index("ix_orders_user", "user_id", "created_at"),
)

users = Table(
    "Users",
    metadata,
    Column("user_id", String(128), primary_key=True),
    Column("email", String(320), nullable=False, server_default=""),
    Column("display_name", String(500), nullable=False, server_default=""),
    Column("phone", String(32), nullable=False, server_default=""),
    Column("address", String(500), nullable=False, server_default=""),
    Column("marketing_opt_in", Boolean, nullable=False, server_default="0"),
    Column("created_at", String(32), nullable=False, server_default=""),
    Column("updated_at", String(32), nullable=False, server_default=""),
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
