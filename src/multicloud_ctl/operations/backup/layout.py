"""Where every backup blob lives, how backup ids are formed, and the metadata recorded on each blob.

    <prefix>daily/<bucket>/<key>               the incremental mirror (source ETag, checksum, mtime in metadata)
    <prefix>snapshots/<id>/s3/<bucket>/<key>   a weekly snapshot's objects
    <prefix>snapshots/<id>/dynamodb/<t>.jsonl  typed JSON lines, one item per line
    <prefix>snapshots/<id>/sql/<t>.jsonl       one row per line
    <prefix>snapshots/<id>/config.json         the effective configuration, secrets redacted
    <prefix>manifests/<id>.json                the manifest: written last, it is the commit marker

A changed object overwrites its mirror blob after the old content is frozen as a blob snapshot, so the
manifests of earlier daily runs still resolve (by SHA-256) to the bytes they recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from multicloud_ctl.config.specs.backup import Layout

META_ETAG = "mcctl_src_etag"
META_SHA256 = "mcctl_sha256"
META_MTIME = "mcctl_src_mtime"
META_MD5 = "mcctl_md5"  # hex; the single-part source ETag the target checked on the service side
META_CHECK = "mcctl_check"  # `etag` when no checksum was recorded (multipart, by sampling); before 2026-12-05
# also sha256 | md5 on every copy


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


def source_metadata(etag: str, sha256: str, mtime: datetime | None, *, md5: str = "") -> dict[str, str]:
    """The metadata written with a copied object (in the same request as its bytes).

    `sha256` and `md5` are hex and either may be empty (a server-side copy records the checksum the clouds
    gave it and never hashes the bytes itself). The checksum recorded is the one the copy was checked with;
    `mcctl_check: etag` is written only when there is none (a multipart object copied server-side without a
    stored checksum: checked by sampling). The source's size is not written: the blob holds the object's bytes
    as they were, so its own size is the source's (`matches_source`). Every entry costs every listing: Azurite
    spent 0.83-0.86 s of CPU listing 8,000 blobs with five entries against 0.72-0.74 s with one and 0.66 s with
    none (15 listings each, interleaved), and each entry is ~50 bytes of every List Blobs page to parse.
    """
    meta = {META_ETAG: etag}
    if sha256:
        meta[META_SHA256] = sha256
    if md5:
        meta[META_MD5] = md5
    if not sha256 and not md5:
        meta[META_CHECK] = "etag"
    if mtime is not None:
        meta[META_MTIME] = mtime.astimezone(UTC).isoformat()
    return meta


def matches_source(blob_size: int, metadata: Mapping[str, str], size: int, etag: str) -> bool:
    """The skip rule: the blob is the source's size, recorded its ETag, and holds the checksum its copy was
    checked with.

    Blobs written before 2026-12-05 also carry `mcctl_src_size` (equal to their own size) and `mcctl_check`
    on every copy; blobs written before `mcctl_check` existed carry a SHA-256 and no check. Without a check,
    a recorded checksum (either) is what the copy was checked with.
    """
    if blob_size != size or metadata.get(META_ETAG) != etag:
        return False
    check = metadata.get(META_CHECK)
    if check == "etag":
        return True
    if check is None:
        return bool(metadata.get(META_SHA256) or metadata.get(META_MD5))
    return bool(metadata.get(META_SHA256 if check == "sha256" else META_MD5))


def version_key(sha256: str, md5: str, etag: str) -> str:
    """Which content a mirror blob version (or a manifest entry) holds: its strongest recorded checksum.

    Blob metadata and the manifest entry of one copy record the same fields, so an entry resolves to the
    version (current or snapshot) with the same key (`locate`, `prune`).
    """
    return sha256 or (f"md5:{md5}" if md5 else f"etag:{etag}")


def metadata_version_key(metadata: dict[str, str]) -> str:
    """`version_key` of a blob from its metadata."""
    return version_key(metadata.get(META_SHA256, ""), metadata.get(META_MD5, ""), metadata.get(META_ETAG, ""))
