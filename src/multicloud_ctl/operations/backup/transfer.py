"""How one S3 object becomes one blob: server-side (Put Block From URL) or streamed in bounded blocks.

- `ServerTransfer`: the blob service reads each block range from a presigned S3 GET URL
  (`stage_block_from_url`), then one Put Block List commits the blocks *and* the source metadata, so the
  object's bytes never cross this machine (AzCopy's S3-to-Blob path). It is checked with the clouds' own
  checksums, never by downloading: a single-part object's ETag is its MD5, sent as `x-ms-source-content-md5`
  on one Put Block From URL so the blob service checks what it fetched; a multipart object records S3's
  stored full-object SHA-256 when it has one (one HEAD), else only its ETag, which `backup verify` checks by
  sampling (`checksum.MultipartEtag`). `verify: download` restores the old way (hash the source stream).
- `StreamTransfer`: GET from S3 (pinned with If-Match to the ETag we listed) and upload; an object up to
  `block_size` goes in a single Put Blob, larger ones as blocks of `block_size` (memory: one block per
  worker). SHA-256 is computed on the way through.
- `auto` picks server for cloud targets and stream for loopback ones (Azurite cannot fetch external URLs).
  With `auto` or `server`, an object the service refuses (CannotVerifyCopySource: a 403/404/412 from the
  presigned URL; Md5Mismatch) is streamed instead, that object only, and counted; a 501 (the target cannot
  copy from a URL at all) switches an `auto` run to streaming for the rest of the run.

Either way the metadata is written in the same request that makes the blob visible, so a blob that exists
is complete, and the skip rule makes a rerun after a crash copy only what is missing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.backup.layout import source_metadata
from multicloud_ctl.operations.backup.ratelimit import RateLimiter
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.providers.aws.s3 import S3Client, S3Object
    from multicloud_ctl.providers.azure.blob import BlobContainer


@dataclass(frozen=True)
class Copied:
    """One completed copy."""

    bucket: str
    key: str
    blob: str
    size: int
    etag: str
    sha256: str
    mode: str
    md5: str = ""  # hex, when the copy was checked by MD5 (server-side) rather than SHA-256


class Transfer(Protocol):
    @property
    def mode(self) -> str: ...

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied: ...


def block_id(index: int) -> str:
    """Block ids must all have the same length within a blob."""
    return f"b{index:08d}"


def read_exact(body: Any, size: int, what: str) -> bytes:
    """Read up to `size` bytes from a streaming body (short only at the end)."""
    parts: list[bytes] = []
    left = size
    with aws_errors("GetObject", what):
        while left > 0:
            chunk = body.read(left)
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
    return b"".join(parts)


@dataclass
class StreamTransfer:
    s3: S3Client
    blobs: BlobContainer
    block_size: int
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(None))
    mode: str = "stream"

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied:
        what = f"{bucket}/{obj.key}"
        body = self.s3.open(bucket, obj.key, if_match=obj.etag)
        digest = hashlib.sha256()
        try:
            if obj.size <= self.block_size:
                data = read_exact(body, obj.size + 1, what)
                self._check_size(len(data), obj, what)
                self.limiter.take(len(data))
                digest.update(data)
                self.blobs.upload(
                    blob_name,
                    data,
                    source_metadata(obj.etag, digest.hexdigest(), obj.last_modified),
                )
            else:
                ids: list[str] = []
                total = 0
                while chunk := read_exact(body, self.block_size, what):
                    self.limiter.take(len(chunk))
                    digest.update(chunk)
                    ids.append(block_id(len(ids)))
                    self.blobs.stage_block(blob_name, ids[-1], chunk)
                    total += len(chunk)
                self._check_size(total, obj, what)
                self.blobs.commit_blocks(
                    blob_name, ids, source_metadata(obj.etag, digest.hexdigest(), obj.last_modified)
                )
        finally:
            body.close()
        return Copied(bucket, obj.key, blob_name, obj.size, obj.etag, digest.hexdigest(), self.mode)

    @staticmethod
    def _check_size(got: int, obj: S3Object, what: str) -> None:
        if got != obj.size:
            raise ProviderError(
                f"S3 {what}: read {got} bytes, listing said {obj.size} (changed during backup)",
                provider="aws",
                operation="GetObject",
            )


MIB = 1024 * 1024
# Put Block From URL takes a block of up to 4,000 MiB (x-ms-version 2019-12-12 and later, REST reference
# "Put Block From URL"), and `x-ms-source-content-md5` is the MD5 of the range it fetches, so a single-part
# object goes in one block whose MD5 (the ETag) the service checks. Up to 256 MiB only: one request that
# long is already seconds of service-side copying; a larger single-part object is staged in `block_size`
# ranges like a multipart one, and its MD5 is recorded for `backup verify` to check.
MAX_MD5_BLOCK = 256 * MIB
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def single_part_md5(etag: str) -> str:
    """The object's MD5 when its ETag is one (single-part; not SSE-KMS/SSE-C, whose ETags are not MD5s:
    the service then refuses the block with Md5Mismatch and that object is streamed)."""
    return etag if _MD5_ETAG.match(etag) else ""


@dataclass
class ServerTransfer:
    s3: S3Client
    blobs: BlobContainer
    block_size: int
    presign_seconds: int = 3600
    verify: str = "checksums"  # checksums | download
    mode: str = "server"

    def downloaded_sha256(self, bucket: str, obj: S3Object) -> str:
        """`verify: download`: hash the source stream here (the bytes cross this machine once, read only)."""
        digest = hashlib.sha256()
        body = self.s3.open(bucket, obj.key, if_match=obj.etag)
        try:
            while chunk := read_exact(body, MIB, f"{bucket}/{obj.key}"):
                digest.update(chunk)
        finally:
            body.close()
        return digest.hexdigest()

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied:
        if obj.size == 0:
            meta = source_metadata(obj.etag, EMPTY_SHA256, obj.last_modified)
            self.blobs.upload(blob_name, b"", meta)
            return Copied(bucket, obj.key, blob_name, 0, obj.etag, EMPTY_SHA256, self.mode)
        md5 = single_part_md5(obj.etag)
        one_block = bool(md5) and obj.size <= MAX_MD5_BLOCK
        if self.verify == "download":
            sha = self.downloaded_sha256(bucket, obj)
        elif one_block:
            sha = ""  # the service checks the MD5 of what it fetched
        else:
            sha = self.s3.sha256_checksum(bucket, obj.key) or ""  # HEAD: S3's stored checksum, if any
        url = self.s3.presign_get(bucket, obj.key, self.presign_seconds)
        ids: list[str] = []
        if one_block:
            ids.append(block_id(0))
            self.blobs.stage_block_from_url(blob_name, ids[0], url, 0, obj.size, source_md5=md5)
        else:
            for offset in range(0, obj.size, self.block_size):
                ids.append(block_id(len(ids)))
                self.blobs.stage_block_from_url(
                    blob_name, ids[-1], url, offset, min(self.block_size, obj.size - offset)
                )
        meta = source_metadata(obj.etag, sha, obj.last_modified, md5=md5)
        self.blobs.commit_blocks(blob_name, ids, meta)
        return Copied(bucket, obj.key, blob_name, obj.size, obj.etag, sha, self.mode, md5)


def unsupported_by_target(exc: ProviderError) -> bool:
    """The target cannot read from an external URL at all (Azurite answers Put Block From URL with 501)."""
    return exc.status == 501


def refused_by_target(exc: ProviderError) -> bool:
    """The target refused this one object: it could not read the source URL (CannotVerifyCopySource, with the
    source's 403/404/412) or what it read did not match the MD5 (Md5Mismatch). Streaming may still work."""
    text = str(exc)
    return exc.provider == "azure" and ("CannotVerifyCopySource" in text or "Md5Mismatch" in text)


@dataclass
class AutoTransfer:
    """Server-side, and streaming for each object the target refuses; `switch` on a 501: stream the rest."""

    server: ServerTransfer
    stream: StreamTransfer
    switch: bool = True  # auto: a 501 switches the run to streaming; server: a 501 is an error
    fell_back: bool = False
    fallbacks: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def mode(self) -> str:
        return "stream (fallback)" if self.fell_back else "server"

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied:
        if not self.fell_back:
            try:
                return self.server.copy(bucket, obj, blob_name)
            except ProviderError as exc:
                run_wide = self.switch and unsupported_by_target(exc)
                if not run_wide and not refused_by_target(exc):
                    raise
                with self._lock:
                    self.fell_back = self.fell_back or run_wide
                    self.fallbacks += 0 if run_wide else 1
        copied = self.stream.copy(bucket, obj, blob_name)
        return Copied(
            copied.bucket, copied.key, copied.blob, copied.size, copied.etag, copied.sha256, "stream (fallback)"
        )


def choose_mode(requested: str, environment: Environment) -> str:
    """`auto` -> `stream` on loopback targets (Azurite cannot fetch URLs), else server with fallback."""
    if requested != "auto":
        return requested
    endpoint = environment.endpoints().blob or ""
    if environment.is_local or "://127.0.0.1" in endpoint or "://localhost" in endpoint:
        return "stream"
    return "auto"


def make_transfer(
    mode: str,
    s3: S3Client,
    blobs: BlobContainer,
    *,
    block_size: int,
    limiter: RateLimiter,
    presign_seconds: int,
    verify: str = "checksums",
) -> Transfer:
    stream = StreamTransfer(s3, blobs, block_size, limiter)
    if mode == "stream":
        return stream
    server = ServerTransfer(s3, blobs, block_size, presign_seconds, verify)
    return AutoTransfer(server, stream, switch=mode != "server")
