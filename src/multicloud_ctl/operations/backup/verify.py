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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import NotFound
from multicloud_ctl.operations.backup.checksum import bytes_match
from multicloud_ctl.operations.backup.locate import blob_versions
from multicloud_ctl.operations.backup.manifest import record_verification, resolve_backup_id
from multicloud_ctl.operations.backup.manifest_reader import ManifestReader
from multicloud_ctl.operations.backup.parallel import for_each, interleave_windows

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.manifest import ManifestEntry
    from multicloud_ctl.operations.backup.store import BackupStore

KEEP = 1000  # missing and corrupt keys named in the report (all of them are counted)


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
    missing_count: int = 0
    corrupt_count: int = 0
    verified_at: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing_count and not self.corrupt_count

    def note(self, outcome: str, key: str) -> None:
        """Count a missing or corrupt key; the first `KEEP` of each are named."""
        if outcome == "missing":
            self.missing_count += 1
            if len(self.missing) < KEEP:
                self.missing.append(key)
        elif outcome == "corrupt":
            self.corrupt_count += 1
            if len(self.corrupt) < KEEP:
                self.corrupt.append(key)

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
            "missing_count": self.missing_count,
            "corrupt_count": self.corrupt_count,
            "verified_at": self.verified_at,
        }


def sample_entries(
    entries: Iterable[ManifestEntry], total: int, pct: float, rng: random.Random
) -> Iterator[ManifestEntry]:
    """Exactly `ceil(total * pct / 100)` of the `total` entries, chosen uniformly in one streaming pass.

    Selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S): the i-th entry is taken with probability
    (still needed) / (still to come), so nothing but two counters is held, and a seeded `rng` replays it.
    """
    if pct >= 100 or total <= 0:
        yield from entries
        return
    needed = max(1, math.ceil(total * pct / 100))
    for seen, entry in enumerate(entries):
        if needed <= 0:
            return
        if rng.random() * (total - seen) < needed:
            needed -= 1
            yield entry


def verify_backup(
    store: BackupStore,
    backup_id: str | None = None,
    *,
    sample_pct: float = 100.0,
    rng: random.Random | None = None,
    record: bool = True,
) -> VerifyReport:
    """Hash the backup's objects against its manifest and record the outcome (the manifest is streamed)."""
    blobs = store.blobs
    bid = resolve_backup_id(blobs, store.layout, backup_id)
    reader = ManifestReader(blobs, store.layout, bid)
    manifest = reader.manifest
    report = VerifyReport(bid, manifest.kind, sample_pct, manifest.objects)

    with blob_versions(store, manifest) as versions:

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
            report.note(result[0], entry.key)

        rng = rng or store.runtime.random  # MCCTL_SEED replays the sample
        entries = sample_entries(reader.entries(), manifest.objects, sample_pct, rng)
        for_each(interleave_windows(entries, lambda e: e.size), check, workers=store.spec.parallelism, on_done=done)
    report.missing.sort()
    report.corrupt.sort()
    now = store.now()
    report.verified_at = iso(now)
    if record:
        record_verification(
            blobs, store.layout, bid, status="ok" if report.ok else "failed", at=now, sample_pct=sample_pct
        )
    return report
