"""The CDC Lambda: DynamoDB stream events -> Azure SQL through the same apply core as `mcctl sync run`.

Lambda's stream poller owns the position (no checkpoint table here); it delivers at least once, and the
`_seq` guard makes a redelivery harmless. An unappliable record goes to the dead-letter table and the batch
still succeeds. A database failure is retried by Lambda: with `ReportBatchItemFailures` on the mapping
(MCCTL_FN_CDC_REPORT_FAILURES=1) the handler answers `{"batchItemFailures": [{"itemIdentifier": <sequence
number>}]}` naming the first record of the group that failed, and Lambda retries from that record ("Configuring
partial batch response with DynamoDB and Lambda": the lowest sequence number reported is the checkpoint);
without it the handler raises and the whole batch is retried. Reporting failures to a mapping that does not
expect them would make Lambda count the batch as processed, so the flag comes from the same playbook setting that
configures the mapping. Each table's records commit in their own transaction (a stream batch comes from one shard
of one table, so in practice there is one).

Environment:
    MCCTL_FN_SQL_URL (ref)     SQLAlchemy URL of Azure SQL (secret references resolved)
    MCCTL_FN_CDC_TABLES        JSON list of table mappings (`TableMapping.to_json()`, written by `mcctl deploy`)
    MCCTL_FN_CDC_CHECKPOINTS   checkpoint table name (default sync_checkpoints)
    MCCTL_FN_CDC_DEAD_LETTERS  dead-letter table name (default sync_dead_letters)
    MCCTL_FN_CDC_TOMBSTONES    tombstone table name (default sync_tombstones)
    MCCTL_FN_CDC_REPORT_FAILURES  1: answer with batchItemFailures instead of raising (the mapping reports them)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.functions.cdc.schema import (
    DEFAULT_CHECKPOINTS,
    DEFAULT_DEAD_LETTERS,
    DEFAULT_TOMBSTONES,
    SyncTables,
    TableMapping,
    build_metadata,
    mappings_from_json,
)

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _setup(
    url: str, tables_json: str, checkpoints: str, dead_letters: str, tombstones: str = DEFAULT_TOMBSTONES
) -> tuple[Any, SyncTables, dict[str, TableMapping]]:
    """Engine, tables and mappings, built once per container (cold start) and per configuration."""
    from multicloud_ctl.functions.adapters.secrets import resolve
    from multicloud_ctl.functions.cdc.engine import create_sql_engine

    mappings = mappings_from_json(tables_json)
    tables = build_metadata(mappings, checkpoints=checkpoints, dead_letters=dead_letters, tombstones=tombstones)
    engine = create_sql_engine(resolve(url))
    tables.metadata.create_all(engine, checkfirst=True)
    return engine, tables, {m.source: m for m in mappings}


def table_of(arn: str) -> str:
    """`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL` -> NAME."""
    return arn.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in arn else ""


def handle(event: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Apply one stream event batch; returns counts per table (and `batchItemFailures` when reporting them)."""
    engine, tables, mappings = _setup(
        env.get("MCCTL_FN_SQL_URL", "sqlite:///mcctl-functions.db"),
        env.get("MCCTL_FN_CDC_TABLES", "[]"),
        env.get("MCCTL_FN_CDC_CHECKPOINTS", DEFAULT_CHECKPOINTS),
        env.get("MCCTL_FN_CDC_DEAD_LETTERS", DEFAULT_DEAD_LETTERS),
        env.get("MCCTL_FN_CDC_TOMBSTONES", DEFAULT_TOMBSTONES),
    )
    report = env.get("MCCTL_FN_CDC_REPORT_FAILURES") == "1"
    by_table: dict[str, list[Any]] = {}
    for raw in event.get("Records", []):
        by_table.setdefault(table_of(str(raw.get("eventSourceARN", ""))), []).append(raw)
    out: dict[str, Any] = {}
    failures: list[dict[str, str]] = []
    now = datetime.now(UTC)
    for name, raws in by_table.items():
        mapping = mappings.get(name)
        if mapping is None:
            log.warning("stream records for unmapped table %r ignored", name)
            continue
        if failures:  # a group failed before this one: retried from the lowest failed sequence number anyway
            failures.append(_item(raws[0]))
            continue
        try:
            with engine.begin() as conn:
                result = apply_records(conn, tables, mapping, [normalize_record(r) for r in raws], now=now)
        except Exception:
            if not report:
                raise
            log.exception("applying %d record(s) of %s failed: reporting them for a retry", len(raws), name)
            failures.append(_item(raws[0]))
            continue
        out[name] = {"received": result.received, "written": result.written, "dead_letters": result.dead}
    if report:
        out["batchItemFailures"] = failures
    return out


def _item(raw: Mapping[str, Any]) -> dict[str, str]:
    """A batch item failure naming a stream record by its sequence number (the identifier Lambda expects)."""
    return {"itemIdentifier": str(raw["dynamodb"]["SequenceNumber"])}


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point for a DynamoDB stream event source mapping."""
    return handle(event, os.environ)
