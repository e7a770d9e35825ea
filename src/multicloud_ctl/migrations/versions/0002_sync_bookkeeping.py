"""The CDC sync's bookkeeping: shard checkpoints (written in the same transaction as the data) and dead
letters. The per-table sync targets follow the Sync playbook's mappings and are created by `mcctl sync`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_checkpoints",
        sa.Column("source_table", sa.String(255), nullable=False),
        sa.Column("shard_id", sa.String(128), nullable=False),
        sa.Column("parent_shard_id", sa.String(128), nullable=True),
        sa.Column("sequence", sa.String(40), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_table", "shard_id"),
    )
    op.create_table(
        "sync_dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_table", sa.String(255), nullable=False),
        sa.Column("shard_id", sa.String(128), nullable=True),
        sa.Column("sequence", sa.String(40), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sync_dead_letters")
    op.drop_table("sync_checkpoints")
