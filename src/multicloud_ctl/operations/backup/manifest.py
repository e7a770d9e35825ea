"""The backup manifest: every object's key, size and SHA-256, plus table counts and digests.

A manifest is written last: its presence is the commit marker of a backup (a crashed run leaves blobs
but no manifest, and nothing reads them). Its blob metadata carries the summary that `backup list` shows
without reading the body (kind, time, objects, bytes) and the last verification (time, status, sample).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, UsageError

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.layout import BackupLayout
    from multicloud_ctl.providers.azure.blob import BlobContainer

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ManifestEntry:
    """One backed-up object: its logical key (`s3/<bucket>/<key>`, `dynamodb/<t>.jsonl`), blob, size, hash."""

    key: str
    blob: str
    size: int
    sha256: str
    etag: str = ""


@dataclass(frozen=True)
class TableRecord:
    """One table in a snapshot: where its lines are, how many, and the digest of its sorted item hashes."""

    name: str
    source: str  # dynamodb | sql
    key: str
    items: int
    digest: str
    shape: dict[str, Any] = field(default_factory=dict)


@dataclass
class BackupManifest:
    id: str
    kind: str
    environment: str
    created: datetime
    completed: datetime
    entries: list[ManifestEntry] = field(default_factory=list)
    tables: list[TableRecord] = field(default_factory=list)
    buckets: list[str] = field(default_factory=list)
    transfer: str = ""
    version: int = FORMAT_VERSION

    @property
    def objects(self) -> int:
        return len(self.entries)

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        # Field by field: `asdict` deep-copies every entry (7.3 ms for 2,040 entries; this takes 0.2 ms).
        return {
            "id": self.id,
            "kind": self.kind,
            "environment": self.environment,
            "created": self.created.isoformat(),
            "completed": self.completed.isoformat(),
            "entries": [
                {"key": e.key, "blob": e.blob, "size": e.size, "sha256": e.sha256, "etag": e.etag} for e in self.entries
            ],
            "tables": [asdict(t) for t in self.tables],
            "buckets": list(self.buckets),
            "transfer": self.transfer,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BackupManifest:
        return cls(
            id=data["id"],
            kind=data["kind"],
            environment=data["environment"],
            created=datetime.fromisoformat(data["created"]),
            completed=datetime.fromisoformat(data["completed"]),
            entries=[ManifestEntry(**e) for e in data["entries"]],
            tables=[TableRecord(**t) for t in data.get("tables", [])],
            buckets=list(data.get("buckets", [])),
            transfer=data.get("transfer", ""),
            version=int(data.get("version", FORMAT_VERSION)),
        )


@dataclass(frozen=True)
class ManifestSummary:
    """What `backup list` shows, read from the manifest blob's metadata alone."""

    id: str
    kind: str
    created: datetime
    objects: int
    bytes: int
    verified: str | None
    verify_status: str | None


def write_manifest(blobs: BlobContainer, layout: BackupLayout, manifest: BackupManifest) -> str:
    """Upload the manifest (the commit marker) with its summary as metadata; returns the blob name."""
    name = layout.manifest_blob(manifest.id)
    body = json.dumps(manifest.to_dict(), separators=(",", ":")).encode()
    blobs.upload(
        name,
        body,
        {
            "mcctl_kind": manifest.kind,
            "mcctl_created": manifest.created.isoformat(),
            "mcctl_objects": str(manifest.objects),
            "mcctl_bytes": str(manifest.bytes),
        },
    )
    return name


def read_manifest(blobs: BlobContainer, layout: BackupLayout, backup_id: str) -> BackupManifest:
    try:
        data = json.loads(blobs.read(layout.manifest_blob(backup_id)))
    except NotFound:
        raise UsageError(
            f"no backup {backup_id!r} (no manifest {layout.manifest_blob(backup_id)})",
            hint="`mcctl backup list` shows the backups",
        ) from None
    return BackupManifest.from_dict(data)


def list_manifests(blobs: BlobContainer, layout: BackupLayout, kind: str | None = None) -> list[ManifestSummary]:
    """Every committed backup, oldest first."""
    out = []
    for b in blobs.list(layout.manifests_prefix()):
        if not b.name.endswith(".json"):
            continue
        m = b.metadata
        summary = ManifestSummary(
            id=layout.id_of_manifest(b.name),
            kind=m.get("mcctl_kind", "?"),
            created=datetime.fromisoformat(m["mcctl_created"])
            if "mcctl_created" in m
            else (b.last_modified or datetime.fromtimestamp(0, UTC)),
            objects=int(m.get("mcctl_objects", 0)),
            bytes=int(m.get("mcctl_bytes", 0)),
            verified=m.get("mcctl_verified"),
            verify_status=m.get("mcctl_verify_status"),
        )
        if kind is None or summary.kind == kind:
            out.append(summary)
    return sorted(out, key=lambda s: (s.created, s.id))


def resolve_backup_id(blobs: BlobContainer, layout: BackupLayout, backup_id: str | None) -> str:
    """An exact id, a unique prefix, `latest`/None (newest), or `latest-daily`/`latest-weekly`."""
    backups = list_manifests(blobs, layout)
    if not backups:
        raise UsageError("there are no backups yet", hint="run `mcctl backup daily` or `mcctl backup weekly`")
    if backup_id in (None, "latest"):
        return backups[-1].id
    if backup_id.startswith("latest-"):
        kind = backup_id.removeprefix("latest-")
        of_kind = [b for b in backups if b.kind == kind]
        if not of_kind:
            raise UsageError(f"there is no {kind} backup yet")
        return of_kind[-1].id
    matches = [b.id for b in backups if b.id == backup_id] or [b.id for b in backups if b.id.startswith(backup_id)]
    if len(matches) != 1:
        raise UsageError(
            f"backup id {backup_id!r} matches {len(matches)} backups",
            hint="`mcctl backup list` shows the ids",
        )
    return matches[0]


def record_verification(
    blobs: BlobContainer,
    layout: BackupLayout,
    backup_id: str,
    *,
    status: str,
    at: datetime,
    sample_pct: float,
) -> None:
    """Store the verification outcome on the manifest blob's metadata (the body stays as committed)."""
    name = layout.manifest_blob(backup_id)
    meta = dict(blobs.properties(name).metadata)
    meta.update(
        {
            "mcctl_verified": at.isoformat(),
            "mcctl_verify_status": status,
            "mcctl_verify_sample": f"{sample_pct:g}",
        }
    )
    blobs.set_metadata(name, meta)
