"""Deterministic zip files: the same inputs give the same bytes, hence the same SHA-256 and file name.

Entries are sorted by archive path, every entry gets the same timestamp (1980-01-01, the zip epoch) and the
same permissions, bytecode caches are left out, and compression settings are fixed. The archive name embeds
the content hash, so an unchanged package keeps its name and is never uploaded twice.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Artifact:
    """A built package: where it is, its content hash, and what it is for."""

    kind: str  # lambda | azure
    path: Path
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def code_sha256_b64(self) -> str:
        """The hash in Lambda's `CodeSha256` form (base64 of the raw digest)."""
        import base64

        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    def read(self) -> bytes:
        return self.path.read_bytes()


def walk_files(root: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """(archive path, file) for every file under `root` (caches skipped), archive paths under `prefix`."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts) or path.suffix in SKIP_SUFFIXES or not path.is_file():
            continue
        yield f"{prefix.rstrip('/')}/{rel.as_posix()}".lstrip("/"), path


def build_zip(files: Iterable[tuple[str, Path]], extra: Mapping[str, bytes] | None = None) -> bytes:
    """Zip `files` (archive path -> file) plus in-memory `extra` entries, deterministically."""
    entries: dict[str, bytes] = {}
    for arcname, path in files:
        entries[arcname] = path.read_bytes()
    for arcname, data in (extra or {}).items():
        entries[arcname] = data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever machine builds it
            zf.writestr(info, entries[arcname], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def write_artifact(kind: str, data: bytes, out_dir: Path) -> Artifact:
    """Write `data` as `<out_dir>/<kind>-<sha256[:16]>.zip` (left alone if already there) and describe it."""
    digest = hashlib.sha256(data).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{kind}-{digest[:16]}.zip"
    if not path.exists() or path.stat().st_size != len(data):
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return Artifact(kind=kind, path=path, sha256=digest, size=len(data))
