"""Find the blob version that holds a manifest entry's bytes.

A weekly snapshot's blobs are never overwritten, so an entry is its blob. A daily entry points into the
mirror, whose blobs are overwritten when the source changes; the old content survives as a blob snapshot
carrying the same recorded checksum, so the entry resolves to whichever version (current or snapshot)
recorded it (`layout.version_key`: the SHA-256, else the MD5, else the source ETag).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from multicloud_ctl.operations.backup.layout import metadata_version_key, version_key

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry
    from multicloud_ctl.operations.backup.store import BackupStore

CURRENT = ""


@dataclass
class BlobVersions:
    """blob name -> {recorded version key or '' -> snapshot id or '' for the current version}."""

    daily: bool
    versions: dict[str, dict[str, str]] = field(default_factory=dict)
    sizes: dict[tuple[str, str], int] = field(default_factory=dict)

    def locate(self, entry: ManifestEntry) -> tuple[bool, str | None]:
        """(found, snapshot id or None for the current version)."""
        known = self.versions.get(entry.blob)
        if not known:
            return False, None
        if not self.daily:
            return True, None
        key = version_key(entry.sha256, entry.md5, entry.etag)
        if key not in known:
            return False, None
        snap = known[key]
        return True, snap or None


def blob_versions(store: BackupStore, manifest: BackupManifest) -> BlobVersions:
    """One listing (with snapshots for a daily backup) of every blob the manifest names."""
    layout = store.layout
    daily = manifest.kind == "daily"
    found = BlobVersions(daily)
    prefixes = [layout.mirror_prefix(b) for b in manifest.buckets] if daily else [layout.snapshot_prefix(manifest.id)]
    for prefix in prefixes:
        for b in store.blobs.list(prefix, snapshots=daily):
            recorded = metadata_version_key(b.metadata) if daily else CURRENT
            versions = found.versions.setdefault(b.name, {})
            # Prefer the current version when it and a snapshot recorded the same hash.
            if b.snapshot is None or recorded not in versions:
                versions[recorded] = b.snapshot or CURRENT
    return found
