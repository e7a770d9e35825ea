"""Backups: daily incremental S3 -> Blob mirror, weekly full snapshots, manifests, verify, restore, prune.

Public surface for other verbs and the backup-service function:

    run_daily(runtime, spec) -> summary dict          (lock, plan, copy, manifest, journal)
    run_weekly(runtime, spec) -> summary dict
    last_backup_age_seconds(runtime, "daily") -> float | None

Modules: `layout` (blob names), `transfer` (server-side / streamed copy), `daily`, `weekly`, `dynamo`,
`sqltables`, `manifest`, `locate`, `verify`, `restore`, `prune`, `schedule`, `run` (journal + lock).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.engine.runtime import Runtime


def run_daily(runtime: Runtime, spec: BackupSpec, options: Any = None, **kwargs: Any) -> dict[str, Any]:
    """One daily incremental backup (see `operations.backup.run.run_daily`)."""
    from multicloud_ctl.operations.backup.run import run_daily as _run

    return _run(runtime, spec, options, **kwargs)


def run_weekly(runtime: Runtime, spec: BackupSpec, **kwargs: Any) -> dict[str, Any]:
    """One weekly full snapshot (see `operations.backup.run.run_weekly`)."""
    from multicloud_ctl.operations.backup.run import run_weekly as _run

    return _run(runtime, spec, **kwargs)


def last_backup_age_seconds(runtime: Runtime, kind: str, spec: BackupSpec | None = None) -> float | None:
    """Seconds since the newest committed `kind` backup; None when there is none."""
    from multicloud_ctl.operations.backup.status import last_backup_age_seconds as _age

    return _age(runtime, kind, spec)


__all__ = ["last_backup_age_seconds", "run_daily", "run_weekly"]
