"""CDC from DynamoDB Streams to Azure SQL (`mcctl sync`): backfill, run, status, verify, replay.

The apply core (type mapping, guarded dialect upserts, dead letters) lives in `multicloud_ctl.functions.cdc`
so that the CDC Lambda runs the same code; this package adds the stream reader, checkpoints, the retention
guard and the commands. Public surface for other verbs:

- `sync_lag_seconds(runtime)`: the current RPO figure (health, failover preflight);
- `sync_metadata(spec)`: the SQLAlchemy `MetaData` of the sync tables (migrations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import MetaData

    from multicloud_ctl.config.specs.sync import SyncSpec
    from multicloud_ctl.engine.runtime import Runtime


def sync_lag_seconds(runtime: Runtime, playbook: Path | None = None) -> float:
    """Seconds since the oldest change not yet in SQL (0 when caught up, inf if never backfilled)."""
    from multicloud_ctl.operations.sync.status import sync_lag_seconds as lag

    return lag(runtime, playbook)


def sync_metadata(spec: SyncSpec | None = None, playbook: Path | None = None) -> MetaData:
    """The `MetaData` holding every sync table for `spec` (default: the sync playbook)."""
    from multicloud_ctl.operations.sync.context import load_spec, sync_tables

    return sync_tables(spec if spec is not None else load_spec(playbook)).metadata


__all__: list[Any] = ["sync_lag_seconds", "sync_metadata"]
