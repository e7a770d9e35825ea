"""Find the blob version that holds a manifest entry's bytes.

A weekly snapshot's blobs are never overwritten, so an entry is its blob. A daily entry points into the
mirror, whose blobs are overwritten when the source changes; the old content survives as a blob snapshot
carrying the same recorded SHA-256, so the entry resolves to whichever version (current or snapshot)
recorded that hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from multicloud_ctl.operations.backup.layout import META_SHA256

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry
    from multicloud_ctl.operations.backup.store import BackupStore

CURRENT = ""


@dataclass
class BlobVersions:
    """blob name -> {recorded sha256 or '' -> snapshot id or '' for the current version}."""

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
        if entry.sha256 not in known:
            return False, None
        snap = known[entry.sha256]
        return True, snap or None


def blob_versions(store: BackupStore, manifest: BackupManifest) -> BlobVersions:
    """One listing (with snapshots for a daily backup) of every blob the manifest names."""
    layout = store.layout
    daily = manifest.kind == "daily"
    found = BlobVersions(daily)
    prefixes = [layout.mirror_prefix(b) for b in manifest.buckets] if daily else [layout.snapshot_prefix(manifest.id)]
    for prefix in prefixes:
        for b in store.blobs.list(prefix, snapshots=daily):
            recorded = b.metadata.get(META_SHA256, CURRENT) if daily else CURRENT
            versions = found.versions.setdefault(b.name, {})
            # Prefer the current version when it and a snapshot recorded the same hash.
            if b.snapshot is None or recorded not in versions:
                versions[recorded] = b.snapshot or CURRENT
    return found
