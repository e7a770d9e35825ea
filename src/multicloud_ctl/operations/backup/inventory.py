"""S3 Inventory as the daily run's source (`spec.source.inventory`), for buckets past a million objects.

S3 delivers a bucket's inventory once a day: `manifest.json` and `manifest.checksum` (its MD5) under
`{prefix}/{source bucket}/{config id}/YYYY-MM-DDTHH-MMZ/`, and gzipped CSV data files named in the manifest's
`files` (each with its size and MD5). Columns follow `fileSchema`; the CSV form URL-encodes object keys (AWS
S3 User Guide, "Amazon S3 Inventory" and "Locating your inventory list"). Reading one costs a few GETs where
listing a bucket of N objects costs N / 1,000 ListObjectsV2 calls.

Nothing says the data files are in key order, and the comparison is a merge join, so the rows go to a
temporary SQLite file and come back sorted by SQLite's external sort (BINARY collation on UTF-8 text is code
point order, the order of S3 and Blob listings): memory stays flat, disk takes ~100 B per object.

A report is used only when all of this holds; otherwise it is "unusable" and the playbook's `if_unusable`
decides (list the bucket instead, or fail the run):
- the inventory configuration exists, is enabled, has no prefix filter (a filtered report would make every
  object outside the filter look deleted), delivers CSV to the configured bucket and prefix, and includes
  Size and ETag (GetBucketInventoryConfiguration);
- the newest report whose `manifest.checksum` has landed (S3 writes it after the manifest) matches it, names
  the source bucket, is CSV with Key, Size and ETag columns, and is at most `max_age_hours` old (by the
  manifest's `creationTimestamp`, on the run's clock);
- every data file has the size and MD5 the manifest gives it.

A report is a picture of the bucket at its creation time. What changed since is seen by the next report:
an object the report lists is copied from what S3 holds now (its copy task is marked `refresh`, and the
copy stage reads its current size and ETag first), and a mirror blob the report does not list is taken as
deleted at the source only when its object was last modified more than `SETTLE` before the report was made
(otherwise the object may be newer than the report and is kept, from the blob's recorded size and ETag). The
margin is there because S3 documents inventory lists as eventually consistent (an object put or deleted just
before the scan may be missing) and listings give LastModified to the second; a blob kept by it is judged
again against the next report.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import AuthError, NotFound

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.backup import InventorySource
    from multicloud_ctl.providers.aws.s3 import S3Client, S3Object

REPORT_DIR = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z)/$")
REQUIRED = ("Key", "Size", "ETag")
BATCH = 10_000
READ = 1024 * 1024
SETTLE = timedelta(hours=6)  # a mirror blob whose object changed this close to the report is never "deleted"


class InventoryUnusable(Exception):
    """The report cannot stand in for a listing: missing, stale, corrupt or of the wrong shape."""


@dataclass(frozen=True)
class InventoryReport:
    """One delivered report: where it is, when S3 made it, its data files and columns."""

    source: str
    location: str  # s3://bucket/prefix/source/config/YYYY-MM-DDTHH-MMZ/
    stamp: str
    created: datetime
    files: list[dict[str, Any]] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)
    all_versions: bool = False

    def describe(self) -> dict[str, Any]:
        return {"source": "inventory", "report": self.location, "created": iso(self.created)}


def _read(s3: S3Client, bucket: str, key: str) -> bytes | None:
    try:
        return s3.read(bucket, key)
    except NotFound:
        return None


def check_configuration(s3: S3Client, inv: InventorySource, bucket: str) -> bool:
    """Refuse a configuration whose reports cannot stand for the whole bucket; True when it lists all versions."""
    try:
        config = s3.inventory_configuration(bucket, inv.config_id)
    except NotFound:
        raise InventoryUnusable(f"bucket {bucket} has no inventory configuration {inv.config_id!r}") from None
    except AuthError as exc:
        raise InventoryUnusable(f"cannot read inventory configuration {inv.config_id!r} of {bucket}: {exc}") from None
    if not config.get("IsEnabled"):
        raise InventoryUnusable(f"inventory configuration {inv.config_id!r} of {bucket} is disabled")
    if (config.get("Filter") or {}).get("Prefix"):
        raise InventoryUnusable(
            f"inventory configuration {inv.config_id!r} of {bucket} covers only prefix "
            f"{config['Filter']['Prefix']!r} (the rest of the bucket would look deleted)"
        )
    dest = (config.get("Destination") or {}).get("S3BucketDestination") or {}
    where = f"arn:aws:s3:::{inv.bucket}"
    if dest.get("Bucket") != where or (dest.get("Prefix") or "").strip("/") != inv.prefix.strip("/"):
        raise InventoryUnusable(
            f"inventory configuration {inv.config_id!r} of {bucket} delivers to "
            f"{dest.get('Bucket')} prefix {dest.get('Prefix', '')!r}, not {where} prefix {inv.prefix.strip('/')!r}"
        )
    if dest.get("Format") != "CSV":
        raise InventoryUnusable(f"inventory configuration {inv.config_id!r} delivers {dest.get('Format')}, not CSV")
    missing = {"Size", "ETag"} - set(config.get("OptionalFields") or [])
    if missing:
        raise InventoryUnusable(f"inventory configuration {inv.config_id!r} leaves out {', '.join(sorted(missing))}")
    return config.get("IncludedObjectVersions") == "All"


def latest_report(s3: S3Client, inv: InventorySource, bucket: str, now: datetime) -> InventoryReport:
    """The newest complete report for `bucket`, checked; InventoryUnusable with the reason otherwise."""
    all_versions = check_configuration(s3, inv, bucket)
    base = f"{inv.prefix}{bucket}/{inv.config_id}/"
    where = f"s3://{inv.bucket}/{base}"
    stamps: list[str] = []
    try:
        for _objects, prefixes, _more in s3.pages(inv.bucket, base, delimiter="/"):
            stamps += [m.group(1) for p in prefixes if (m := REPORT_DIR.match(p[len(base) :]))]
    except NotFound:
        raise InventoryUnusable(f"inventory bucket {inv.bucket} does not exist") from None
    if not stamps:
        raise InventoryUnusable(f"no inventory report under {where}")
    for stamp in sorted(stamps, reverse=True):
        raw = _read(s3, inv.bucket, f"{base}{stamp}/manifest.json")
        checksum = _read(s3, inv.bucket, f"{base}{stamp}/manifest.checksum")
        if raw is None or checksum is None:
            continue  # still being delivered: the one before it
        report = _parse(raw, checksum, bucket, f"{where}{stamp}/", stamp, all_versions)
        age = now - report.created
        if age > timedelta(hours=inv.max_age_hours):
            raise InventoryUnusable(
                f"the newest inventory report ({report.location}) is stale: made {report.created:%Y-%m-%d %H:%M}Z, "
                f"{age.total_seconds() / 3600:.1f} h ago (max_age_hours {inv.max_age_hours:g})"
            )
        return report
    raise InventoryUnusable(f"no complete inventory report under {where} (manifest.json with manifest.checksum)")


def _parse(raw: bytes, checksum: bytes, bucket: str, location: str, stamp: str, all_versions: bool) -> InventoryReport:
    if hashlib.md5(raw, usedforsecurity=False).hexdigest() != checksum.decode(errors="replace").strip().lower():
        raise InventoryUnusable(f"{location}manifest.json does not match its manifest.checksum")
    try:
        doc = json.loads(raw)
        created = datetime.fromtimestamp(int(doc["creationTimestamp"]) / 1000, UTC)
        files = [{"key": str(f["key"]), "size": int(f["size"]), "md5": str(f["MD5checksum"])} for f in doc["files"]]
        schema = [c.strip() for c in str(doc["fileSchema"]).split(",")]
        fmt, source = doc.get("fileFormat"), doc.get("sourceBucket")
    except (ValueError, KeyError, TypeError) as exc:
        raise InventoryUnusable(f"{location}manifest.json is not an inventory manifest ({exc})") from None
    if source != bucket:
        raise InventoryUnusable(f"{location}manifest.json is the inventory of {source!r}, not of {bucket!r}")
    if fmt != "CSV":
        raise InventoryUnusable(f"{location}manifest.json: fileFormat {fmt!r} (only CSV is read)")
    missing = [c for c in REQUIRED if c not in schema]
    if missing:
        raise InventoryUnusable(f"{location}manifest.json: fileSchema has no {', '.join(missing)}")
    return InventoryReport(bucket, location, stamp, created, files, schema, all_versions or "IsLatest" in schema)


class _Hashing(io.RawIOBase):
    """A readable that hashes and counts what passes through it (the data file's MD5 and size)."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.body.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.md5.update(data)
        self.size += n
        return n

    def drain(self) -> None:
        """Read (and hash) what the gzip stream left unread: its trailer, or anything after it."""
        buffer = bytearray(READ)
        while self.readinto(buffer):
            pass


def rows(s3: S3Client, inv: InventorySource, report: InventoryReport) -> Iterator[tuple[str, int, str, str]]:
    """(key, size, etag, last modified) of every current object in the report's data files, in file order."""
    col = {name: i for i, name in enumerate(report.schema)}
    k, s, e = col["Key"], col["Size"], col["ETag"]
    m, latest, marker = col.get("LastModifiedDate"), col.get("IsLatest"), col.get("IsDeleteMarker")
    for f in report.files:
        try:
            body = s3.open(inv.bucket, f["key"])
        except NotFound:
            raise InventoryUnusable(f"data file s3://{inv.bucket}/{f['key']} of {report.location} is missing") from None
        raw = _Hashing(body)
        try:
            with gzip.GzipFile(fileobj=io.BufferedReader(raw, READ)) as gz:
                text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
                for n, row in enumerate(csv.reader(text), 1):
                    if not row:
                        continue
                    if len(row) < len(report.schema):
                        raise InventoryUnusable(
                            f"{f['key']} line {n}: {len(row)} columns, the schema has {len(report.schema)}"
                        )
                    if latest is not None and row[latest] != "true":
                        continue
                    if marker is not None and row[marker] == "true":
                        continue
                    yield unquote_plus(row[k]), int(row[s] or 0), row[e].strip('"'), row[m] if m is not None else ""
            raw.drain()
        except (OSError, EOFError, UnicodeDecodeError, ValueError, csv.Error) as exc:
            raise InventoryUnusable(f"data file s3://{inv.bucket}/{f['key']} is unreadable: {exc}") from None
        finally:
            body.close()
        if raw.size != f["size"] or raw.md5.hexdigest() != f["md5"].lower():
            raise InventoryUnusable(
                f"data file s3://{inv.bucket}/{f['key']} does not match the manifest "
                f"({raw.size} bytes, MD5 {raw.md5.hexdigest()}; the manifest says {f['size']}, {f['md5']})"
            )


class SortedObjects:
    """The report's rows in a temporary SQLite file, read back in key order (duplicates once)."""

    def __init__(self, directory: Path | None = None) -> None:
        from multicloud_ctl.operations.sync.spill import scratch_database

        self._dir, self._db = scratch_database("mcctl-inventory-", directory)
        self._db.execute("CREATE TABLE o (k TEXT NOT NULL, size INTEGER, etag TEXT, modified TEXT)")
        self.count = 0

    def __enter__(self) -> SortedObjects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def load(self, source: Iterator[tuple[str, int, str, str]]) -> int:
        batch: list[tuple[str, int, str, str]] = []
        self._db.execute("BEGIN")
        for row in source:
            batch.append(row)
            if len(batch) >= BATCH:
                self._flush(batch)
        self._flush(batch)
        self._db.execute("COMMIT")
        return self.count

    def _flush(self, batch: list[tuple[str, int, str, str]]) -> None:
        self._db.executemany("INSERT INTO o VALUES (?, ?, ?, ?)", batch)
        self.count += len(batch)
        batch.clear()

    def objects(self) -> Iterator[S3Object]:
        from multicloud_ctl.providers.aws.s3 import S3Object

        last: str | None = None
        for key, size, etag, modified in self._db.execute("SELECT k, size, etag, modified FROM o ORDER BY k"):
            if key == last:
                continue
            last = key
            yield S3Object(key, int(size), str(etag), _when(modified))


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def unusable_hint(inv: InventorySource) -> str:
    return (
        f"check the inventory configuration {inv.config_id!r} (aws s3api get-bucket-inventory-configuration) and "
        f"its reports in s3://{inv.bucket}/{inv.prefix}; or set spec.source.inventory.if_unusable: list"
    )
