"""`backup verify`: re-read every (or a sample of) object of a backup, hash it, compare with the manifest.

Each entry is checked with the strongest checksum it recorded (`checksum.bytes_match`): SHA-256, else the
MD5 a server-side copy was checked with, else the multipart ETag (recomputed from the blob's bytes).

Missing objects (no blob, or no version recording the manifest's hash) and corrupt ones (bytes that hash
differently) are named; the outcome is recorded on the manifest's metadata so `backup list` shows it and
`backup prune` can protect the newest verified backup.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.operations.backup.checksum import bytes_match
from multicloud_ctl.operations.backup.locate import blob_versions
from multicloud_ctl.operations.backup.manifest import read_manifest, record_verification, resolve_backup_id
from multicloud_ctl.operations.backup.parallel import for_each, interleave

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.manifest import ManifestEntry
    from multicloud_ctl.operations.backup.store import BackupStore


@dataclass
class VerifyReport:
    id: str
    kind: str
    sample_pct: float
    total: int
    checked: int = 0
    bytes_read: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    verified_at: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": "ok" if self.ok else "failed",
            "sample_pct": self.sample_pct,
            "objects": self.total,
            "checked": self.checked,
            "bytes_read": self.bytes_read,
            "missing": self.missing,
            "corrupt": self.corrupt,
            "verified_at": self.verified_at,
        }


def sample_entries(entries: list[ManifestEntry], pct: float, rng: random.Random) -> list[ManifestEntry]:
    if pct >= 100 or not entries:
        return list(entries)
    k = max(1, math.ceil(len(entries) * pct / 100))
    return sorted(rng.sample(entries, k), key=lambda e: e.key)


def verify_backup(
    store: BackupStore,
    backup_id: str | None = None,
    *,
    sample_pct: float = 100.0,
    rng: random.Random | None = None,
    record: bool = True,
) -> VerifyReport:
    """Hash the backup's objects against its manifest and record the outcome."""
    blobs = store.blobs
    bid = resolve_backup_id(blobs, store.layout, backup_id)
    manifest = read_manifest(blobs, store.layout, bid)
    entries = sample_entries(manifest.entries, sample_pct, rng or store.runtime.random)  # MCCTL_SEED replays it
    versions = blob_versions(store, manifest)
    report = VerifyReport(bid, manifest.kind, sample_pct, manifest.objects)

    def check(entry: ManifestEntry) -> tuple[str, int]:
        found, snapshot = versions.locate(entry)
        if not found:
            return "missing", 0
        try:
            same, size = bytes_match(entry, blobs.read_chunks(entry.blob, snapshot))
        except NotFound:
            return "missing", 0
        return ("ok" if same else "corrupt"), size

    def done(entry: ManifestEntry, result: tuple[str, int] | None, error: BaseException | None) -> None:
        if error is not None:
            raise error
        assert result is not None
        report.checked += 1
        report.bytes_read += result[1]
        if result[0] == "missing":
            report.missing.append(entry.key)
        elif result[0] == "corrupt":
            report.corrupt.append(entry.key)

    for_each(interleave(entries, lambda e: e.size), check, workers=store.spec.parallelism, on_done=done)
    report.missing.sort()
    report.corrupt.sort()
    now = store.now()
    report.verified_at = now.isoformat()
    if record:
        record_verification(
            blobs, store.layout, bid, status="ok" if report.ok else "failed", at=now, sample_pct=sample_pct
        )
    return report
