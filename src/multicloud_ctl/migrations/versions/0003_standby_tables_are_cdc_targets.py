"""The standby tables become the CDC targets: `products`, `inventory`, `orders`, `users` (lower case, every
data column nullable, plus the sync's bookkeeping columns `_doc _hash _seq _deleted _source_time`) replace
`Products`, `Inventory`, `Orders`, `Users`; and the sync's `sync_tombstones`.

The old tables only mirrored DynamoDB (nothing but the sync wrote them), so they are dropped, not converted:
`mcctl sync backfill` refills the new ones. (SQLite and SQL Server's default collation treat `Orders` and
`orders` as one name, which is why the old table goes first.)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _bookkeeping() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("_doc", sa.Text(), nullable=True),
        sa.Column("_hash", sa.String(64), nullable=True),
        sa.Column("_seq", sa.String(40), server_default="0", nullable=False),
        sa.Column("_deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("_source_time", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.drop_index("ix_orders_user", table_name="Orders")
    op.drop_index("ix_products_category", table_name="Products")
    for old in ("Users", "Orders", "Inventory", "Products"):
        op.drop_table(old)
    op.create_table(
        "products",
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("image_key", sa.String(512), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=True),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_index("ix_products_category", "products", ["category", "product_id"])
    op.create_table(
        "inventory",
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=True),
        *_bookkeeping(),
        sa.CheckConstraint("available >= 0", name="ck_inventory_available_nonnegative"),
        sa.PrimaryKeyConstraint("product_id"),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("lines", sa.Text(), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=True),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_index("ix_orders_user", "orders", ["user_id", "created_at"])
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("display_name", sa.String(500), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("marketing_opt_in", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=True),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "sync_tombstones",
        sa.Column("source_table", sa.String(255), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("_seq", sa.String(40), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source_table", "key_hash"),
    )


def downgrade() -> None:
    raise NotImplementedError(
        "0003 is irreversible: the old standby tables held only a mirror of DynamoDB (rebuild a fresh database "
        "at 0002 instead, then `mcctl sync backfill`)"
    )
