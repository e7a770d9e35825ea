"""Rows of the CDC-shared tables as items: the synced `_doc` (typed DynamoDB JSON) overlaid by the columns.

A row the sync wrote carries the whole item in `_doc` and maybe only some columns; a row the standby wrote has
every column and no `_doc`. Reading `{**doc, **non-null columns}` is right for both: a column always wins.
Whole-item writes by the standby clear `_doc`/`_hash`; guarded one-column updates (stock, status) only set
their column. Neither touches `_seq`, so a newer stream record still wins after fail-back.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Table, select, update

BOOKKEEPING = ("_doc", "_hash", "_seq", "_deleted", "_source_time")
OWN_WRITE = {"_doc": None, "_hash": None, "_deleted": False}


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def plain(value: Mapping[str, Any]) -> Any:
    """One DynamoDB AttributeValue (`{"S": "x"}`, `{"N": "1"}`, `{"M": {...}}`, ...) as a plain value."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return str(inner)
    if kind == "N":
        return _number(str(inner))
    if kind in ("BOOL", "NULL"):
        return None if kind == "NULL" else bool(inner)
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind == "SS":
        return sorted(str(x) for x in inner)
    if kind == "NS":
        return sorted(_number(str(x)) for x in inner)
    if kind == "B":
        return inner if isinstance(inner, str) else base64.b64encode(inner).decode()
    if kind == "BS":
        return [x if isinstance(x, str) else base64.b64encode(x).decode() for x in inner]
    raise ValueError(f"unknown attribute type {kind}")


def row_item(row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    """The item a row stands for (see the module docstring)."""
    row = dict(row)
    doc = row.get("_doc")
    item = {k: plain(v) for k, v in json.loads(doc).items()} if doc else {}
    item.update({k: v for k, v in row.items() if k not in BOOKKEEPING and v is not None})
    return item


def live(table: Table) -> ColumnElement[bool]:
    """Rows not marked deleted by the sync (`delete_mode: mark`)."""
    return table.c._deleted == False  # noqa: E712 - SQL comparison, not Python


def materialize(conn: Connection, table: Table, key: ColumnElement[bool], column: str) -> None:
    """Copy `column` from `_doc` into its own column when the sync did not project it (a guard needs it)."""
    row = conn.execute(select(table).where(key)).mappings().first()
    if row is None or row[column] is not None or not row["_doc"]:
        return
    value = row_item(row).get(column)
    if value is not None:
        conn.execute(update(table).where(key, table.c[column].is_(None)).values({column: value}))
