"""The SQL side of the sync: one table per synced DynamoDB table, plus checkpoints and dead letters.

A synced table has the key attributes as its primary key, the projected columns the playbook names, the
typed JSON document (`_doc`), its content hash (`_hash`), the source sequence number (`_seq`), a tombstone
flag (`_deleted`) and the approximate source time (`_source_time`). `build_metadata` returns the SQLAlchemy
`MetaData` holding all of them (the provision helper's migrations include it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

SEQ = "_seq"
DOC = "_doc"
HASH = "_hash"
DELETED = "_deleted"
SOURCE_TIME = "_source_time"
RESERVED = (SEQ, DOC, HASH, DELETED, SOURCE_TIME)
DEFAULT_CHECKPOINTS = "sync_checkpoints"
DEFAULT_DEAD_LETTERS = "sync_dead_letters"
DEFAULT_TOMBSTONES = "sync_tombstones"
_EXACT = Context(prec=60)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, DECIMAL(38, 10) on SQL Server, text on SQLite (NUMERIC is a float)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        if dialect.name == "postgresql":  # unbounded NUMERIC: exact at any scale
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(Numeric(38, 10, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return format(value.normalize(_EXACT), "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).normalize(_EXACT)


@dataclass(frozen=True)
class KeyColumn:
    """A key attribute (partition or sort key) and its SQL column."""

    attribute: str
    column: str
    type: Literal["S", "N", "B"] = "S"
    length: int = 256

    def sql_type(self) -> TypeEngine[Any]:
        if self.type == "N":
            return ExactDecimal()
        if self.type == "B":
            return LargeBinary(self.length)
        return String(self.length)


@dataclass(frozen=True)
class ProjectedColumn:
    """A top-level attribute copied into its own column (besides the full document)."""

    attribute: str
    column: str
    type: Literal["string", "number", "boolean", "json", "plain_json"] = "string"
    length: int | None = None

    def sql_type(self) -> TypeEngine[Any]:
        if self.type == "number":
            return ExactDecimal()
        if self.type == "boolean":
            return Boolean()
        if self.type in ("json", "plain_json"):
            return Text()
        return String(self.length) if self.length else Text()


@dataclass(frozen=True)
class TableMapping:
    """How one DynamoDB table maps onto one SQL table."""

    source: str
    target: str
    keys: tuple[KeyColumn, ...]
    projected: tuple[ProjectedColumn, ...] = ()
    delete_mode: Literal["remove", "mark"] = "remove"

    @property
    def key_columns(self) -> list[str]:
        return [k.column for k in self.keys]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "delete_mode": self.delete_mode,
            "keys": [k.__dict__ for k in self.keys],
            "projected": [p.__dict__ for p in self.projected],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableMapping:
        return cls(
            source=data["source"],
            target=data["target"],
            delete_mode=data.get("delete_mode", "remove"),
            keys=tuple(KeyColumn(**k) for k in data["keys"]),
            projected=tuple(ProjectedColumn(**p) for p in data.get("projected", ())),
        )


def mappings_from_json(text: str) -> list[TableMapping]:
    """Mappings from the JSON the Lambda gets in its environment (`MCCTL_FN_CDC_TABLES`)."""
    return [TableMapping.from_json(d) for d in json.loads(text)]


@dataclass
class SyncTables:
    """The SQLAlchemy tables of one sync configuration."""

    metadata: MetaData
    data: dict[str, Table] = field(default_factory=dict)  # source table name -> SQL table
    checkpoints: Table | None = None
    dead_letters: Table | None = None
    tombstones: Table | None = None

    def table_for(self, source: str) -> Table:
        return self.data[source]


def bookkeeping_columns() -> list[Column[Any]]:
    """The columns the sync adds to every data table (to include in tables declared elsewhere)."""
    return [
        Column(DOC, Text(), nullable=True),
        Column(HASH, String(64), nullable=True),
        Column(SEQ, String(40), nullable=False, server_default="0"),
        Column(DELETED, Boolean(), nullable=False, default=False, server_default="0"),
        Column(SOURCE_TIME, DateTime(timezone=True), nullable=True),
    ]


def build_metadata(
    mappings: list[TableMapping],
    *,
    checkpoints: str = DEFAULT_CHECKPOINTS,
    dead_letters: str = DEFAULT_DEAD_LETTERS,
    tombstones: str = DEFAULT_TOMBSTONES,
    metadata: MetaData | None = None,
) -> SyncTables:
    """Declare every sync table in one `MetaData` (create with `metadata.create_all(engine)`)."""
    md = metadata if metadata is not None else MetaData()
    out = SyncTables(metadata=md)
    for m in mappings:
        cols: list[Column[Any]] = [
            Column(k.column, k.sql_type(), primary_key=True, autoincrement=False) for k in m.keys
        ]
        cols += [Column(p.column, p.sql_type(), nullable=True) for p in m.projected]
        cols += bookkeeping_columns()
        out.data[m.source] = Table(m.target, md, *cols)
    out.checkpoints = Table(
        checkpoints,
        md,
        Column("source_table", String(255), primary_key=True),
        Column("shard_id", String(128), primary_key=True),
        Column("parent_shard_id", String(128), nullable=True),
        Column("sequence", String(40), nullable=True),
        Column("finished", Boolean(), nullable=False, default=False),
        Column("record_time", DateTime(timezone=True), nullable=True),
        Column("checked_at", DateTime(timezone=True), nullable=False),
        Column("records", Integer(), nullable=False, default=0),
    )
    out.dead_letters = Table(
        dead_letters,
        md,
        Column("id", Integer(), primary_key=True, autoincrement=True),
        Column("source_table", String(255), nullable=False),
        Column("shard_id", String(128), nullable=True),
        Column("sequence", String(40), nullable=False),
        Column("keys", Text(), nullable=False),
        Column("record", Text(), nullable=False),
        Column("reason", Text(), nullable=False),
        Column("attempts", Integer(), nullable=False, default=1),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("resolved_at", DateTime(timezone=True), nullable=True),
    )
    out.tombstones = Table(
        tombstones,
        md,
        Column("source_table", String(255), primary_key=True),
        Column("key_hash", String(64), primary_key=True),
        Column("keys", Text(), nullable=False),
        Column(SEQ, String(40), nullable=False),
        Column("deleted_at", DateTime(timezone=True), nullable=True),
    )
    return out
