"""CDC from DynamoDB Streams to Azure SQL (`mcctl sync`): backfill, run, status, verify, replay.

The apply core (type mapping, guarded dialect upserts, dead letters) lives in `multicloud_ctl.functions.cdc`
so that the CDC Lambda runs the same code; this package adds the stream reader, checkpoints, the retention
guard and the commands. Public surface for other verbs:

- `sync_lag_seconds(runtime)`: the current RPO figure (health, failover preflight);
- `sync_metadata(spec)`: the SQLAlchemy `MetaData` of the sync tables (migrations);
- `cdc_lambda_environment(spec, sql_url_ref)`: the CDC Lambda's environment variables (deploy), whose handler
  is `multicloud_ctl.functions.aws_lambda.cdc.handler` (attach it with an event source mapping on each table's
  stream, in cloud environments only: moto's mapping drains the stream).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import MetaData

    from multicloud_ctl.config.specs.sync import SyncSpec
    from multicloud_ctl.engine.runtime import Runtime


def sync_lag_seconds(runtime: Runtime, playbook: Path | None = None) -> float | None:
    """Seconds since the oldest change not yet in SQL (0 when caught up, inf when unbounded, None unknown)."""
    from multicloud_ctl.operations.sync.status import sync_lag_seconds as lag

    return lag(runtime, playbook)


def sync_lag_reason(runtime: Runtime, playbook: Path | None = None) -> tuple[float | None, str]:
    """(the lag as `sync_lag_seconds`, what it rests on or why it is unbounded/unknown)."""
    from multicloud_ctl.operations.sync.status import sync_lag

    lag = sync_lag(runtime, playbook)
    return lag.seconds, lag.reason


def sync_metadata(spec: SyncSpec | None = None, playbook: Path | None = None) -> MetaData:
    """The `MetaData` holding every sync table for `spec` (default: the sync playbook)."""
    from multicloud_ctl.operations.sync.context import load_spec, sync_tables

    return sync_tables(spec if spec is not None else load_spec(playbook)).metadata


def cdc_lambda_environment(spec: SyncSpec, sql_url_ref: str) -> dict[str, str]:
    """Environment variables for the CDC Lambda: the SQL URL (a secret reference) and the table mappings."""
    import json

    from multicloud_ctl.operations.sync.context import mappings_from_spec

    return {
        "MCCTL_FN_SQL_URL": sql_url_ref,
        "MCCTL_FN_CDC_TABLES": json.dumps([m.to_json() for m in mappings_from_spec(spec)], separators=(",", ":")),
        "MCCTL_FN_CDC_CHECKPOINTS": spec.checkpoint_table,
        "MCCTL_FN_CDC_DEAD_LETTERS": spec.dead_letter.table,
        "MCCTL_FN_CDC_TOMBSTONES": spec.tombstone_table,
        "MCCTL_FN_CDC_REPORT_FAILURES": "1" if spec.stream_mapping.report_batch_item_failures else "0",
    }


__all__: list[Any] = ["cdc_lambda_environment", "sync_lag_reason", "sync_lag_seconds", "sync_metadata"]
