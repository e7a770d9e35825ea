"""Azure SQL tables in and out of a snapshot with SQLAlchemy Core reflection (SQLite/PostgreSQL/SQL Server).

Rows become JSON lines keyed by column name; dates, decimals and bytes are written as text and decoded
by the reflected column type on restore. The column list (name, type, nullable, primary key) is kept in
the manifest so a restore into a scratch database can create the table first.

A restore replaces the table's rows in batches, one transaction each, and records its position (lines of
the snapshot applied) in `mcctl_restore_position` in the same transaction as the batch. A restore that is
killed resumes from there when run again with the same backup: no row lost, none inserted twice. A restore
of another backup into the table starts over (its first transaction empties the table).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ConfigError, NotFound
from multicloud_ctl.operations.backup.lines import BlobLineWriter, TableDigest, canonical, read_lines
from multicloud_ctl.operations.backup.manifest import TableRecord

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.blob import BlobContainer


def sql_engine(runtime: Runtime) -> Engine:
    """The environment's Azure SQL database (SQLite on the sandbox)."""
    from sqlalchemy import create_engine

    from multicloud_ctl.config.secrets import is_reference
    from multicloud_ctl.functions.cdc.engine import connect_args

    url = str(runtime.environment.azure.sql.url)
    if is_reference(url):
        url = runtime.secrets.resolve(url)
    return create_engine(url, connect_args=connect_args(url, runtime.environment.network.connect_timeout_seconds))


def reflect(engine: Engine, name: str) -> Table:
    from sqlalchemy import MetaData, Table
    from sqlalchemy.exc import NoSuchTableError

    try:
        return Table(name, MetaData(), autoload_with=engine)
    except NoSuchTableError:
        raise NotFound(
            f"SQL table {name!r} does not exist in {engine.url.render_as_string()}",
            hint="run `mcctl sql migrate`, or remove it from spec.sql_tables",
        ) from None


def encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def decoder(column: Any) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return lambda v: v
    if kind is dt.datetime:
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if kind is dt.date:
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if kind is dt.time:
        return lambda v: None if v is None else dt.time.fromisoformat(v)
    if kind is Decimal:
        return lambda v: None if v is None else Decimal(v)
    if kind is bytes:
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


def row_lines(engine: Engine, table: Table) -> Any:
    from sqlalchemy import select

    order = list(table.primary_key.columns) or list(table.columns)
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True).execute(select(table).order_by(*order)):
            yield canonical({k: encode(v) for k, v in row._mapping.items()})


def dump_sql_table(
    engine: Engine, blobs: BlobContainer, name: str, blob_name: str, key: str, *, block_size: int
) -> tuple[TableRecord, int, str]:
    table = reflect(engine, name)
    writer = BlobLineWriter(blobs, blob_name, block_size)
    digest = TableDigest()
    for line in row_lines(engine, table):
        digest.add(line)
        writer.write_line(line)
    size, sha = writer.close({"mcctl_items": str(digest.count)})
    shape = {
        "columns": [
            {
                "name": c.name,
                "type": str(c.type),
                "nullable": bool(c.nullable),
                "primary_key": bool(c.primary_key),
            }
            for c in table.columns
        ]
    }
    return TableRecord(name, "sql", key, digest.count, digest.hexdigest, shape), size, sha


def sql_table_digest(engine: Engine, name: str) -> TableDigest:
    digest = TableDigest()
    for line in row_lines(engine, reflect(engine, name)):
        digest.add(line)
    return digest


def _sql_type(text: str) -> Any:
    import sqlalchemy as sa

    base, _, args = text.upper().partition("(")
    nums = [int(x) for x in args.rstrip(")").split(",") if x.strip().isdigit()] if args else []
    simple = {
        "INTEGER": sa.Integer,
        "INT": sa.Integer,
        "BIGINT": sa.BigInteger,
        "SMALLINT": sa.SmallInteger,
        "TEXT": sa.Text,
        "CLOB": sa.Text,
        "FLOAT": sa.Float,
        "REAL": sa.Float,
        "DOUBLE": sa.Float,
        "DATETIME": sa.DateTime,
        "TIMESTAMP": sa.DateTime,
        "DATE": sa.Date,
        "TIME": sa.Time,
        "BOOLEAN": sa.Boolean,
        "BLOB": sa.LargeBinary,
        "BYTEA": sa.LargeBinary,
        "JSON": sa.JSON,
    }
    base = base.strip()
    if base in ("VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "CHARACTER VARYING"):
        return sa.String(nums[0]) if nums else sa.String()
    if base in ("NUMERIC", "DECIMAL"):
        return sa.Numeric(nums[0] if nums else None, nums[1] if len(nums) > 1 else None)
    return simple.get(base, sa.Text)()


POSITION_TABLE = "mcctl_restore_position"


def _position_table(metadata: Any) -> Table:
    import sqlalchemy as sa

    return sa.Table(
        POSITION_TABLE,
        metadata,
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("backup_id", sa.String(255), nullable=False),
        sa.Column("lines_done", sa.BigInteger, nullable=False),
    )


def _target_table(engine: Engine, record: TableRecord) -> Table:
    import sqlalchemy as sa

    try:
        return reflect(engine, record.name)
    except NotFound:
        cols = record.shape.get("columns")
        if not cols:
            raise ConfigError(f"snapshot has no column list for SQL table {record.name!r}") from None
        table = sa.Table(
            record.name,
            sa.MetaData(),
            *[
                sa.Column(c["name"], _sql_type(c["type"]), nullable=c["nullable"], primary_key=c["primary_key"])
                for c in cols
            ],
        )
        table.create(engine)
        return table


def restore_sql_table(
    engine: Engine,
    blobs: BlobContainer,
    record: TableRecord,
    blob_name: str,
    *,
    backup_id: str,
    batch_rows: int = 1000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Replace the table's rows with the snapshot's in batches, resuming a killed restore; returns the row count.

    `on_batch(lines_done)` is called after each committed batch (progress; tests kill the process there).
    """
    import sqlalchemy as sa

    table = _target_table(engine, record)
    position = _position_table(sa.MetaData())
    position.create(engine, checkfirst=True)
    decoders = {c.name: decoder(c) for c in table.columns}
    where = position.c.table_name == record.name
    with engine.begin() as conn:
        row = conn.execute(sa.select(position.c.backup_id, position.c.lines_done).where(where)).first()
        if row is not None and row.backup_id == backup_id:
            done = int(row.lines_done)  # a killed restore of this backup: carry on after its last batch
        else:
            done = 0
            conn.execute(table.delete())
            conn.execute(position.delete().where(where))
            conn.execute(position.insert().values(table_name=record.name, backup_id=backup_id, lines_done=0))
    skip = done
    batch: list[dict[str, Any]] = []

    def commit() -> None:
        nonlocal done, batch
        with engine.begin() as conn:  # the rows and the position move together, or not at all
            conn.execute(table.insert(), batch)
            conn.execute(position.update().where(where).values(lines_done=done + len(batch)))
        done += len(batch)
        batch = []
        if on_batch is not None:
            on_batch(done)

    for line in read_lines(blobs, blob_name):
        if skip:
            skip -= 1
            continue
        row_data = json.loads(line)
        batch.append({k: decoders[k](v) if k in decoders else v for k, v in row_data.items()})
        if len(batch) >= batch_rows:
            commit()
    if batch:
        commit()
    with engine.begin() as conn:
        conn.execute(position.delete().where(where))
    return done
