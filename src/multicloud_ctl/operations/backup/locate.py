"""Find the blob version that holds a manifest entry's bytes.

A weekly snapshot's blobs are never overwritten, so an entry is its blob. A daily entry points into the
mirror, whose blobs are overwritten when the source changes; the old content survives as a blob snapshot
carrying the same recorded checksum, so the entry resolves to whichever version (current or snapshot)
recorded it (`layout.version_key`: the SHA-256, else the MD5, else the source ETag).
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from multicloud_ctl.operations.backup.layout import metadata_version_key, version_key

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry
    from multicloud_ctl.operations.backup.store import BackupStore

CURRENT = ""


class BlobVersions:
    """blob name and recorded version key -> snapshot id ('' for the current version), on disk.

    A mirror of a million objects lists a million blobs and their snapshots; held in a dict that is
    hundreds of MB, so the listing goes into an indexed table in a temporary SQLite file (deleted on
    close) and each entry is one point lookup. Thread-safe: verify and restore look up from their workers.
    """

    def __init__(self, daily: bool, directory: Path | None = None) -> None:
        self.daily = daily
        from multicloud_ctl.operations.sync.spill import scratch_database

        self._dir, self._db = scratch_database("mcctl-versions-", directory, threads=True)
        self._db.execute("CREATE TABLE v (blob TEXT, vkey TEXT, snap TEXT, PRIMARY KEY (blob, vkey)) WITHOUT ROWID")
        self._lock = threading.Lock()

    def __enter__(self) -> BlobVersions:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._dir.cleanup()

    def add(self, rows: list[tuple[str, str, str | None]]) -> None:
        """(blob, recorded version key, snapshot id or None) for one listing page, in listing order."""
        with self._lock:
            self._db.execute("BEGIN")
            # The current version wins when it and a snapshot recorded the same hash (either holds the bytes).
            self._db.executemany(
                "INSERT OR REPLACE INTO v VALUES (?, ?, ?)", ((b, k, CURRENT) for b, k, s in rows if s is None)
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO v VALUES (?, ?, ?)", ((b, k, s) for b, k, s in rows if s is not None)
            )
            self._db.execute("COMMIT")

    def locate(self, entry: ManifestEntry) -> tuple[bool, str | None]:
        """(found, snapshot id or None for the current version)."""
        key = version_key(entry.sha256, entry.md5, entry.etag) if self.daily else CURRENT
        with self._lock:
            row = self._db.execute("SELECT snap FROM v WHERE blob = ? AND vkey = ?", (entry.blob, key)).fetchone()
        if row is None:
            return False, None
        return True, row[0] or None


def blob_versions(store: BackupStore, manifest: BackupManifest) -> BlobVersions:
    """One listing (with snapshots for a daily backup) of every blob the manifest names; close it after use."""
    layout = store.layout
    daily = manifest.kind == "daily"
    found = BlobVersions(daily)
    prefixes = [layout.mirror_prefix(b) for b in manifest.buckets] if daily else [layout.snapshot_prefix(manifest.id)]
    try:
        for prefix in prefixes:
            for page, _ in store.blobs.pages(prefix, snapshots=daily, metadata=daily):
                found.add([(b.name, metadata_version_key(b.metadata) if daily else CURRENT, b.snapshot) for b in page])
    except BaseException:
        found.close()
        raise
    return found
