"""Files the CLI writes for the operator (`--out`, `--out-dir`): a path that cannot be written is one usage error.

    with writing_to("--out", out):
        out.write_text(text, encoding="utf-8")

The operator chose the path, so an `OSError` while writing it (a directory, a missing or read-only parent, a full
disk) is their input to fix, reported as `error: --out PATH: cannot write: REASON` with exit 2, never a crash.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from multicloud_ctl.errors import UsageError

_REASONS = {
    errno.EISDIR: "it is a directory",
    errno.ENOTDIR: "a parent is not a directory",
    errno.EEXIST: "a file is in the way of a directory",
    errno.EACCES: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
}


def refuse_directory(option: str, path: Path) -> None:
    """Refuse an output file path that is a directory (checked before a slow report is computed)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: it is a directory", hint="give a file name in that directory")


@contextmanager
def writing_to(option: str, path: Path, *, directory: bool = False) -> Iterator[None]:
    """Map an `OSError` raised in the block to one `UsageError` naming `option` and `path`."""
    if not directory:
        refuse_directory(option, path)
    try:
        yield
    except OSError as exc:
        reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        hint = "give a directory that can be created and written" if directory else "give a writable file path"
        raise UsageError(f"{option} {path}: cannot write: {reason}", hint=hint) from exc


def writable_directory(option: str, path: Path) -> None:
    """Create `path` and prove a file can be made in it (before a long build writes there), or raise one error."""
    import os
    import tempfile

    with writing_to(option, path, directory=True):
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)


@contextmanager
def replacing(option: str, path: Path) -> Iterator[TextIO]:
    """A text file that becomes `path` only when the block succeeds (written beside it, then renamed).

    For exports written row by row: a failure or Ctrl-C halfway leaves the previous file (or none), never a
    truncated one that looks complete. `OSError`s are reported as `writing_to` does.
    """
    import os
    import tempfile

    with writing_to(option, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
                yield stream
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
