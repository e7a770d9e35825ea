"""What the Blob service does not take as a blob name, checked before a write leaves the process.

"Naming and Referencing Containers, Blobs, and Metadata" (learn.microsoft.com/rest/api/storageservices): a
blob name holds 1 to 1,024 characters and at most 254 path segments; control characters are not allowed, and
"no path segments should end with a dot". Measured on Azure (rclone's author, whose `azureblob` backend
encodes these): a backslash is stored as `/` and a segment's final dot is dropped, so two different names
become one blob. Azurite takes every one of these as sent (a 1,100-character name, 300 segments, `a\\b`,
`v1.`), and a control character in a name then fails every List Blobs of the container with 500. So the
client refuses them, as Azure would or should: a write that would land somewhere else is not made.
"""

from __future__ import annotations

import re
from typing import Any

from multicloud_ctl.errors import ProviderError

MAX_BLOB_NAME = 1024
MAX_SEGMENTS = 254
# what the service refuses or changes, anywhere in a name: a control character, DEL, a backslash (a character
# class, which `operations/backup/names.py` extends with its replacements), or a dot that ends a segment
# (`\Z`, not `$`, which also matches before a final newline)
REFUSED_CHARACTERS = r"\x00-\x1f\x7f\\"
SEGMENT_END_DOT = r"\.(?:/|\Z)"
_REFUSED = re.compile(rf"[{REFUSED_CHARACTERS}]|{SEGMENT_END_DOT}")


class BlobNameRefused(ProviderError):
    """A write refused before it was sent: the Blob service would refuse or change the name (400).

    `reason` is why, without the name (the message names it, cut when long).
    """

    def __init__(self, message: str, *, reason: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


def refusal(name: str) -> str | None:
    """Why the Blob service would refuse or change `name` (a whole blob name), or None when it keeps it."""
    if not name:
        return "a blob name holds at least one character"
    if len(name) > MAX_BLOB_NAME:
        return f"the limit of a blob name is {MAX_BLOB_NAME:,} characters; this one has {len(name):,}"
    segments = name.count("/") + 1
    if segments > MAX_SEGMENTS:
        return f"the limit of a blob name is {MAX_SEGMENTS} path segments; this one has {segments}"
    bad = _REFUSED.search(name)
    if bad is not None:
        what = bad.group()
        if what.startswith("."):
            return "a path segment of a blob name cannot end with '.' (the service drops the dot)"
        if what == "\\":
            return "a blob name cannot hold a backslash (the service stores it as '/')"
        return f"a blob name cannot hold the control character {what!r}"
    return None


def check_writable(name: str, operation: str) -> None:
    """Raise `BlobNameRefused` (one line, the name cut) when the Blob service would refuse or change `name`.

    The blob client checks every write; a caller with work to do first (a copy that would read the source)
    checks before that work.
    """
    reason = refusal(name)
    if reason is not None:
        raise BlobNameRefused(
            f"azure: {operation} {shown(name)!r} refused: {reason}",
            reason=reason,
            hint="the object's name cannot be a blob name as it is; rename it at the source",
            provider="azure",
            operation=operation,
            status=400,
        )


def shown(name: str, limit: int = 120) -> str:
    """`name` for a message: a 1,000-character name is cut in the middle."""
    return name if len(name) <= limit else f"{name[: limit // 2]}...{name[-limit // 3 :]}"
