"""The service tables: Transactions, Analytics, ProcessedEvents and the standby Products, Inventory,
Orders, Users and Idempotency (mirrors of the DynamoDB tables the Azure side serves after a failover).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "Products",
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), server_default="usd", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("image_key", sa.String(512), server_default="", nullable=False),
        sa.Column("created_at", sa.String(32), server_default="", nullable=False),
        sa.Column("updated_at", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_index("ix_products_category", "Products", ["category", "product_id"])
    op.create_table(
        "Inventory",
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.String(32), server_default="", nullable=False),
        sa.CheckConstraint("available >= 0", name="ck_inventory_available_nonnegative"),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_table(
        "Orders",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("email", sa.String(320), server_default="", nullable=False),
        sa.Column("idempotency_key", sa.String(128), server_default="", nullable=False),
        sa.Column("created_at", sa.String(32), server_default="", nullable=False),
        sa.Column("updated_at", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_index("ix_orders_user", "Orders", ["user_id", "created_at"])
    op.create_table(
        "Users",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("email", sa.String(320), server_default="", nullable=False),
        sa.Column("display_name", sa.String(500), server_default="", nullable=False),
        sa.Column("phone", sa.String(32), server_default="", nullable=False),
        sa.Column("address", sa.String(500), server_default="", nullable=False),
        sa.Column("marketing_opt_in", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.String(32), server_default="", nullable=False),
        sa.Column("updated_at", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "Idempotency",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "Transactions",
        sa.Column("transaction_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_ref", sa.String(128), server_default="", nullable=False),
        sa.Column("reason", sa.String(500), server_default="", nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id"),
        sa.UniqueConstraint("order_id", name="uq_transactions_order_id"),
    )
    op.create_table(
        "Analytics",
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("dimension", sa.String(128), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("metric", "dimension", "day", name="pk_analytics"),
    )
    op.create_table(
        "ProcessedEvents",
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("processed_at", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_events"),
    )


def downgrade() -> None:
    for table in ("ProcessedEvents", "Analytics", "Transactions", "Idempotency", "Users"):
        op.drop_table(table)
    op.drop_index("ix_orders_user", table_name="Orders")
    op.drop_table("Orders")
    op.drop_table("Inventory")
    op.drop_index("ix_products_category", table_name="Products")
    op.drop_table("Products")
