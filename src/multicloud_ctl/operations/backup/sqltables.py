"""Azure SQL tables in and out of a snapshot with SQLAlchemy Core reflection (SQLite/PostgreSQL/SQL Server).

Rows become JSON lines keyed by column name; dates, decimals and bytes are written as text and decoded
by the reflected column type on restore. The column list (name, type, nullable, primary key) is kept in
the manifest so a restore into a scratch database can create the table first. A restore replaces the
table's rows in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
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

    url = str(runtime.environment.azure.sql.url)
    if is_reference(url):
        url = runtime.secrets.resolve(url)
    return create_engine(url)


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


def restore_sql_table(engine: Engine, blobs: BlobContainer, record: TableRecord, blob_name: str) -> int:
    """Create the table if missing, then replace its rows with the snapshot's in one transaction."""
    import sqlalchemy as sa

    try:
        table = reflect(engine, record.name)
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
    decoders = {c.name: decoder(c) for c in table.columns}
    count = 0
    with engine.begin() as conn:
        conn.execute(table.delete())
        batch: list[dict[str, Any]] = []
        for line in read_lines(blobs, blob_name):
            row = json.loads(line)
            batch.append({k: decoders[k](v) if k in decoders else v for k, v in row.items()})
            if len(batch) >= 1000:
                conn.execute(table.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
            count += len(batch)
    return count
