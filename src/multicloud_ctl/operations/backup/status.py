"""Read-only views of the backups: `backup list` rows and the age of the newest backup (for health)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.operations.backup.manifest import list_manifests

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.backup.store import BackupStore


def list_backups(store: BackupStore) -> list[dict[str, Any]]:
    """Every committed backup, newest first: id, kind, time, objects, bytes, verified."""
    return [
        {
            "id": b.id,
            "kind": b.kind,
            "time": iso(b.created),
            "objects": b.objects,
            "bytes": b.bytes,
            "verified": b.verified,
            "verify_status": b.verify_status,
        }
        for b in reversed(list_manifests(store.blobs, store.layout))
    ]


def last_backup_age_seconds(runtime: Runtime, kind: str, spec: BackupSpec | None = None) -> float | None:
    """Seconds since the newest committed backup of `kind` (daily|weekly) was taken; None if there is none."""
    from multicloud_ctl.operations.backup.store import open_store

    store = open_store(runtime, spec)
    backups = list_manifests(store.blobs, store.layout, kind)
    if not backups:
        return None
    return max(0.0, (runtime.clock() - backups[-1].created).total_seconds())
