"""Read a manifest without holding it: ranged GETs of the blob, entries parsed and yielded one at a time.

A manifest of a million objects is ~300 MB of JSON; `backup verify`, `restore`, `prune` and `locate` walk
its entries, so they read it in `CHUNK` ranges (Get Blob with `x-ms-range`) and keep one range and one
entry in memory. Version 3 (JSON Lines, `ManifestWriter`) keeps what is not an entry in its first and last
lines: the header is one ranged GET from the start (which also brings the blob's size and metadata), the
trailer one from the end, and the entries are lines in between. Versions 1 and 2 are one JSON document
whose non-entry members may come after the entries (`BackupManifest.to_dict` puts `tables` and `buckets`
there): they are scanned member by member with an incremental decoder (`json.JSONDecoder.raw_decode` over
a sliding buffer), once for the header (entries counted and skipped) and again for the entries.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, OperationFailed, UsageError
from multicloud_ctl.operations.backup.manifest import MAGIC, BackupManifest, ManifestEntry, TableRecord

if TYPE_CHECKING:
    from multicloud_ctl.operations.backup.layout import BackupLayout
    from multicloud_ctl.providers.azure.blob import BlobContainer

CHUNK = 4 * 1024 * 1024  # bytes per ranged GET: ~14,000 entries
EDGE = 64 * 1024  # the first and last ranges, where a version 3 header and trailer are
_SPACE = re.compile(r"[ \t\n\r]*")


class ManifestReader:
    """One committed manifest: `manifest` (no entries; counts set) read up front, `entries()` streamed."""

    def __init__(
        self, blobs: BlobContainer, layout: BackupLayout, backup_id: str, *, chunk: int = CHUNK, edge: int = EDGE
    ) -> None:
        self._blobs = blobs
        self.name = layout.manifest_blob(backup_id)
        self.chunk = chunk
        self.edge = edge
        try:
            first, self.size, self.metadata = blobs.read_range(self.name, 0, max(edge, len(MAGIC)))
        except NotFound:
            raise UsageError(
                f"no backup {backup_id!r} (no manifest {self.name})",
                hint="`mcctl backup list` shows the backups",
            ) from None
        self._first = first
        self.version = 3 if first.startswith(MAGIC) else 0
        if self.version == 3:
            self.manifest = self._read_edges(first)
        else:
            self.manifest = self._scan_legacy_header()
            self.version = self.manifest.version

    @property
    def objects(self) -> int:
        return self.manifest.objects

    def _slice(self, start: int, end: int) -> bytes:
        """The blob's bytes [start, end): from the first range when it holds them, else one ranged GET."""
        if end <= len(self._first):
            return self._first[start:end]
        data, _, _ = self._blobs.read_range(self.name, start, end - start)
        return data

    def _ranges(self, start: int, end: int) -> Iterator[bytes]:
        """The blob's bytes [start, end) in ranges of at most `chunk`."""
        offset = start
        while offset < end:
            stop = min(end, offset + self.chunk)
            if offset < len(self._first):
                stop = min(stop, len(self._first))
            data = self._slice(offset, stop)
            if not data:
                raise OperationFailed(f"manifest {self.name}: ended at byte {offset} of {end} while reading it")
            offset += len(data)
            yield data

    # ---- version 3 ------------------------------------------------------------------------------------
    def _read_edges(self, first: bytes) -> BackupManifest:
        head_end = first.find(b"\n")
        while head_end < 0:  # a header longer than the first range (a great many bucket names)
            more, _, _ = self._blobs.read_range(self.name, len(first), self.edge)
            if not more:
                raise OperationFailed(f"manifest {self.name}: no end to its header line")
            first = self._first = first + more
            head_end = first.find(b"\n")
        self._body_start = head_end + 1
        head = json.loads(first[:head_end])
        tail_bytes = b""
        start = self.size
        while True:  # the trailer: the last line, found from the end of the blob
            start = max(self._body_start, start - self.edge)
            tail_bytes = self._slice(start, self.size - len(tail_bytes)) + tail_bytes
            cut = tail_bytes.rstrip(b"\n").rfind(b"\n")
            if cut >= 0 or start <= self._body_start:
                break
        line = tail_bytes.rstrip(b"\n")[cut + 1 :]
        self._body_end = self.size - len(tail_bytes) + cut + 1
        tail = json.loads(line) if line else {}
        if not tail.get("end"):
            raise OperationFailed(f"manifest {self.name}: its last line is not the trailer (a truncated manifest)")
        manifest = BackupManifest(
            id=head["id"],
            kind=head["kind"],
            environment=head["environment"],
            created=datetime.fromisoformat(head["created"]),
            completed=datetime.fromisoformat(tail["completed"]),
            tables=[TableRecord(**t) for t in tail.get("tables", [])],
            buckets=list(head.get("buckets", [])),
            transfer=tail.get("transfer", ""),
            version=int(head["version"]),
        )
        manifest.set_totals(int(tail["objects"]), int(tail["bytes"]))
        return manifest

    def entries(self) -> Iterator[ManifestEntry]:
        """Every entry, in the order written, one range of the blob in memory at a time."""
        if self.version != 3:
            for kind, value in _document_members(self._ranges(0, self.size)):
                if kind == "entry":
                    yield ManifestEntry(**value)
            return
        rest = b""
        count = 0
        for data in self._ranges(self._body_start, self._body_end):
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line:
                    count += 1
                    yield ManifestEntry(**json.loads(line))
        if rest.strip():
            count += 1
            yield ManifestEntry(**json.loads(rest))
        if count != self.manifest.objects:
            raise OperationFailed(
                f"manifest {self.name}: {count} entries where its trailer counts {self.manifest.objects}"
            )

    # ---- versions 1 and 2 ---------------------------------------------------------------------------------
    def _scan_legacy_header(self) -> BackupManifest:
        fields: dict[str, Any] = {}
        objects = nbytes = 0
        for kind, value in _document_members(self._ranges(0, self.size)):
            if kind == "entry":
                objects += 1
                nbytes += int(value["size"])
            else:
                name, member = value
                fields[name] = member
        manifest = BackupManifest.from_dict({**fields, "entries": []})
        if "version" not in fields:
            manifest.version = 1
        manifest.set_totals(objects, nbytes)
        return manifest


class _Text:
    """A sliding window of decoded text over byte chunks, for `raw_decode` one JSON value at a time."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Append the next chunk (dropping what was consumed); False at the end of the blob."""
        if self.eof:
            return False
        chunk = next(self._chunks, None)
        self.eof = chunk is None
        self.buf = self.buf[self.pos :] + self._decoder.decode(chunk or b"", final=self.eof)
        self.pos = 0
        return True

    def char(self) -> str:
        """The next non-space character (not consumed)."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                raise OperationFailed("manifest: the document ends early (truncated)")

    def expect(self, chars: str) -> str:
        found = self.char()
        if found not in chars:
            raise OperationFailed(f"manifest: expected one of {chars!r} at {found!r}")
        self.pos += 1
        return found

    def value(self) -> Any:
        """The next JSON value; a value touching the end of the window waits for more (a number may go on)."""
        decoder = json.JSONDecoder()
        while True:
            self.char()
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.eof:
                    raise
            self.fill()


def _document_members(chunks: Iterator[bytes]) -> Iterator[tuple[str, Any]]:
    """A version 1/2 manifest as ("member", (name, value)) for each top-level member but the entries, and
    ("entry", dict) for each element of `entries`, reading the document once, a chunk at a time."""
    text = _Text(chunks)
    text.expect("{")
    if text.char() == "}":
        return
    while True:
        name = text.value()
        text.expect(":")
        if name == "entries":
            text.expect("[")
            if text.char() == "]":
                text.pos += 1
            else:
                while True:
                    yield "entry", text.value()
                    if text.expect(",]") == "]":
                        break
        else:
            yield "member", (name, text.value())
        if text.expect(",}") == "}":
            return
