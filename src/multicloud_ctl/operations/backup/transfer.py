"""How one S3 object becomes one blob: server-side (Put Block From URL) or streamed in bounded blocks.

- `ServerTransfer`: the blob service reads each block range from a presigned S3 GET URL
  (`stage_block_from_url`), then one Put Block List commits the blocks *and* the source metadata, so the
  object's bytes never cross this machine (AzCopy's S3-to-Blob path). The SHA-256 comes from S3's stored
  full-object checksum when there is one, else from hashing the source stream (read, never re-uploaded).
- `StreamTransfer`: GET from S3 (pinned with If-Match to the ETag we listed) and upload; an object up to
  `block_size` goes in a single Put Blob, larger ones as blocks of `block_size` (memory: one block per
  worker). SHA-256 is computed on the way through.
- `auto` picks server for cloud targets and stream for loopback ones (Azurite cannot fetch external URLs),
  and falls back to streaming for the rest of the run if the target answers 501/CannotVerifyCopySource.

Either way the metadata is written in the same request that makes the blob visible, so a blob that exists
is complete, and the skip rule makes a rerun after a crash copy only what is missing.
"""

from __future__ import annotations

import hashlib
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
                    source_metadata(obj.size, obj.etag, digest.hexdigest(), obj.last_modified),
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
                    blob_name, ids, source_metadata(obj.size, obj.etag, digest.hexdigest(), obj.last_modified)
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


@dataclass
class ServerTransfer:
    s3: S3Client
    blobs: BlobContainer
    block_size: int
    presign_seconds: int = 3600
    mode: str = "server"

    def source_sha256(self, bucket: str, obj: S3Object) -> str:
        stored = self.s3.sha256_checksum(bucket, obj.key)
        if stored:
            return stored
        digest = hashlib.sha256()
        body = self.s3.open(bucket, obj.key, if_match=obj.etag)
        try:
            while chunk := read_exact(body, 1024 * 1024, f"{bucket}/{obj.key}"):
                digest.update(chunk)
        finally:
            body.close()
        return digest.hexdigest()

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied:
        sha = self.source_sha256(bucket, obj)
        meta = source_metadata(obj.size, obj.etag, sha, obj.last_modified)
        if obj.size == 0:
            self.blobs.upload(blob_name, b"", meta)
        else:
            url = self.s3.presign_get(bucket, obj.key, self.presign_seconds)
            ids: list[str] = []
            for offset in range(0, obj.size, self.block_size):
                ids.append(block_id(len(ids)))
                self.blobs.stage_block_from_url(
                    blob_name, ids[-1], url, offset, min(self.block_size, obj.size - offset)
                )
            self.blobs.commit_blocks(blob_name, ids, meta)
        return Copied(bucket, obj.key, blob_name, obj.size, obj.etag, sha, self.mode)


def unsupported_by_target(exc: ProviderError) -> bool:
    """The target cannot read from an external URL (Azurite: 501, or 404 CannotVerifyCopySource)."""
    return exc.status == 501 or "CannotVerifyCopySource" in str(exc)


@dataclass
class AutoTransfer:
    """Server-side first; on the first 'cannot copy from URL' answer, stream for the rest of the run."""

    server: ServerTransfer
    stream: StreamTransfer
    fell_back: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def mode(self) -> str:
        return "stream (fallback)" if self.fell_back else "server"

    def copy(self, bucket: str, obj: S3Object, blob_name: str) -> Copied:
        if not self.fell_back:
            try:
                return self.server.copy(bucket, obj, blob_name)
            except ProviderError as exc:
                if not unsupported_by_target(exc):
                    raise
                with self._lock:
                    self.fell_back = True
        return self.stream.copy(bucket, obj, blob_name)


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
) -> Transfer:
    stream = StreamTransfer(s3, blobs, block_size, limiter)
    server = ServerTransfer(s3, blobs, block_size, presign_seconds)
    if mode == "stream":
        return stream
    if mode == "server":
        return server
    return AutoTransfer(server, stream)
