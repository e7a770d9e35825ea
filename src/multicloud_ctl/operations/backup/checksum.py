"""Check bytes against what a manifest entry recorded: SHA-256, else MD5, else the S3 multipart ETag.

A streamed copy records the SHA-256 it computed on the way through. A server-side copy never sees the
bytes, so it records the checksum the clouds gave it: the MD5 (a single-part object's ETag, checked by the
blob service itself through `x-ms-source-content-md5`), S3's stored SHA-256, or, for a multipart object
without a stored checksum, only its ETag: `md5(md5(part 1) + ... + md5(part N))-N`. The part size is not
recorded anywhere, so `MultipartEtag` tries the sizes that fit N parts (whole MiB, as the SDKs and
consoles use) in one pass; that check belongs to `backup verify`, which samples.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from multicloud_ctl.operations.backup.manifest import ManifestEntry

MIB = 1024 * 1024
MAX_CANDIDATES = 16


def part_size_candidates(size: int, parts: int) -> list[int]:
    """Whole-MiB part sizes P with which `size` bytes make exactly `parts` parts (at most MAX_CANDIDATES)."""
    if parts <= 1:
        return [max(size, 1)]
    low = -(-size // parts)  # ceil
    high = -(-size // (parts - 1)) - 1  # the largest P with (parts - 1) * P < size
    first = -(-low // MIB) * MIB
    found = list(range(first, high + 1, MIB))[:MAX_CANDIDATES]
    return found or [low]


@dataclass
class MultipartEtag:
    """Recompute a multipart ETag for each candidate part size over one stream of chunks."""

    etag: str
    size: int
    _states: list[tuple[int, Any, list[bytes], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = int(self.etag.rsplit("-", 1)[1])
        # (part size, current part md5, finished part digests, bytes in the current part)
        self._states = [(p, hashlib.md5(), [], 0) for p in part_size_candidates(self.size, parts)]

    def update(self, chunk: bytes) -> None:
        states = []
        for part, md5, done, filled in self._states:
            view = memoryview(chunk)
            while view:
                take = min(part - filled, len(view))
                md5.update(view[:take])
                filled += take
                view = view[take:]
                if filled == part:
                    done.append(md5.digest())
                    md5, filled = hashlib.md5(), 0
            states.append((part, md5, done, filled))
        self._states = states

    def matches(self) -> bool:
        for _part, md5, done, filled in self._states:
            digests = done + ([md5.digest()] if filled else [])
            if f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}" == self.etag:
                return True
        return False


def entry_check(entry: ManifestEntry) -> str:
    """Which checksum an entry is checked with: sha256 | md5 | etag | none."""
    if entry.sha256:
        return "sha256"
    if entry.md5:
        return "md5"
    return "etag" if "-" in entry.etag else "none"


def bytes_match(entry: ManifestEntry, chunks: Iterable[bytes]) -> tuple[bool, int]:
    """(whether the bytes are what the entry recorded, how many bytes were read)."""
    how = entry_check(entry)
    hasher: Any
    if how == "sha256":
        hasher = hashlib.sha256()
    elif how == "md5":
        hasher = hashlib.md5()
    elif how == "etag":
        hasher = MultipartEtag(entry.etag, entry.size)
    else:
        hasher = None
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if hasher is not None:
            hasher.update(chunk)
    if size != entry.size or hasher is None:
        return False, size
    if how == "sha256":
        return hasher.hexdigest() == entry.sha256, size
    if how == "md5":
        return hasher.hexdigest() == entry.md5, size
    return hasher.matches(), size
