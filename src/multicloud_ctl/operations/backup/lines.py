"""Streaming JSON-lines blobs: write in bounded blocks while hashing, read back line by line.

`BlobLineWriter` buffers up to one block, stages it, and commits the block list (with metadata) on
`close()`: memory stays at one block whatever the table size, and nothing is spooled to local disk.
`TableDigest` is order-independent (the sum of the items' SHA-256 modulo 2^256), so parallel scan
segments can feed it in any order and a restored table can be compared with one pass.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.operations.backup.transfer import block_id

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.blob import BlobContainer


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class TableDigest:
    """Count and order-independent digest of a multiset of JSON-able items."""

    count: int = 0
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, line: bytes) -> None:
        h = int.from_bytes(hashlib.sha256(line).digest(), "big")
        with self._lock:
            self.count += 1
            self.total = (self.total + h) % (1 << 256)

    @property
    def hexdigest(self) -> str:
        return f"{self.total:064x}"


@dataclass
class BlobLineWriter:
    """Append lines to one blob in `block_size` blocks; `close()` commits and returns (size, sha256)."""

    blobs: BlobContainer
    name: str
    block_size: int
    _buf: bytearray = field(default_factory=bytearray)
    _ids: list[str] = field(default_factory=list)
    _size: int = 0
    _sha: Any = field(default_factory=hashlib.sha256)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def write_line(self, line: bytes) -> None:
        with self._lock:
            self._buf += line + b"\n"
            if len(self._buf) >= self.block_size:
                self._flush()

    def _flush(self) -> None:
        data = bytes(self._buf)
        self._buf.clear()
        self._sha.update(data)
        self._size += len(data)
        self._ids.append(block_id(len(self._ids)))
        self.blobs.stage_block(self.name, self._ids[-1], data)

    def close(self, metadata: dict[str, str] | None = None) -> tuple[int, str]:
        with self._lock:
            if not self._ids:
                data = bytes(self._buf)
                self._sha.update(data)
                self._size = len(data)
                self.blobs.upload(self.name, data, metadata or {})
            else:
                if self._buf:
                    self._flush()
                self.blobs.commit_blocks(self.name, self._ids, metadata or {})
            return self._size, self._sha.hexdigest()


def read_lines(blobs: BlobContainer, name: str) -> Iterator[bytes]:
    """The lines of a JSON-lines blob, streamed."""
    rest = b""
    for chunk in blobs.read_chunks(name):
        rest += chunk
        *lines, rest = rest.split(b"\n")
        yield from (line for line in lines if line)
    if rest:
        yield rest
