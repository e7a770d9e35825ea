"""Where every backup blob lives, how backup ids are formed, and the metadata recorded on each blob.

    <prefix>daily/<bucket>/<key>               the incremental mirror (source size/ETag/SHA-256 in metadata)
    <prefix>snapshots/<id>/s3/<bucket>/<key>   a weekly snapshot's objects
    <prefix>snapshots/<id>/dynamodb/<t>.jsonl  typed JSON lines, one item per line
    <prefix>snapshots/<id>/sql/<t>.jsonl       one row per line
    <prefix>snapshots/<id>/config.json         the effective configuration, secrets redacted
    <prefix>manifests/<id>.json                the manifest: written last, it is the commit marker

A changed object overwrites its mirror blob after the old content is frozen as a blob snapshot, so the
manifests of earlier daily runs still resolve (by SHA-256) to the bytes they recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from multicloud_ctl.config.specs.backup import Layout

META_ETAG = "mcctl_src_etag"
META_SIZE = "mcctl_src_size"
META_SHA256 = "mcctl_sha256"
META_MTIME = "mcctl_src_mtime"


def new_backup_id(kind: str, now: datetime) -> str:
    """`daily-20261125T023000123Z`: sortable, unique to the millisecond, kind and UTC time readable from it."""
    utc = now.astimezone(UTC)
    return f"{kind}-{utc:%Y%m%dT%H%M%S}{utc.microsecond // 1000:03d}Z"


def parse_backup_id(backup_id: str) -> tuple[str, datetime]:
    """The kind and time of an id (also the second-precision form `daily-20261125T023000Z`)."""
    kind, _, stamp = backup_id.partition("-")
    if len(stamp) == len("20261125T023000123Z"):
        base = datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return kind, base.replace(microsecond=int(stamp[15:18]) * 1000)
    return kind, datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class BackupLayout:
    """Blob names for one playbook's layout."""

    layout: Layout

    @property
    def root(self) -> str:
        return self.layout.prefix

    def mirror_prefix(self, bucket: str) -> str:
        return f"{self.root}{self.layout.daily}/{bucket}/"

    def mirror_blob(self, bucket: str, key: str) -> str:
        return f"{self.mirror_prefix(bucket)}{key}"

    def snapshot_prefix(self, backup_id: str) -> str:
        return f"{self.root}{self.layout.snapshots}/{backup_id}/"

    def snapshots_root(self) -> str:
        return f"{self.root}{self.layout.snapshots}/"

    def snapshot_blob(self, backup_id: str, logical_key: str) -> str:
        return f"{self.snapshot_prefix(backup_id)}{logical_key}"

    def manifests_prefix(self) -> str:
        return f"{self.root}{self.layout.manifests}/"

    def manifest_blob(self, backup_id: str) -> str:
        return f"{self.manifests_prefix()}{backup_id}.json"

    def id_of_manifest(self, blob_name: str) -> str:
        return blob_name[len(self.manifests_prefix()) :].removesuffix(".json")


def source_metadata(size: int, etag: str, sha256: str, mtime: datetime | None) -> dict[str, str]:
    """The metadata written with a copied object (in the same request as its bytes)."""
    meta = {META_SIZE: str(size), META_ETAG: etag, META_SHA256: sha256}
    if mtime is not None:
        meta[META_MTIME] = mtime.astimezone(UTC).isoformat()
    return meta


def matches_source(metadata: dict[str, str], size: int, etag: str) -> bool:
    """The skip rule: the blob recorded this source size and ETag (and a SHA-256 for the manifest)."""
    return metadata.get(META_SIZE) == str(size) and metadata.get(META_ETAG) == etag and bool(metadata.get(META_SHA256))
