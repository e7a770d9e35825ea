"""S3 keys as Blob names: the characters a blob name cannot hold, replaced reversibly (rclone's scheme).

An S3 key is any UTF-8 string up to 1,024 bytes. The Blob service takes fewer: control characters (0x00-0x1F)
and DEL are refused, a backslash is turned into `/`, and a path segment that ends with `.` loses the dot
("Naming and Referencing Containers, Blobs, and Metadata": "No path segments should end with a dot (.)";
measured on Azure by rclone's author, whose `azureblob` backend encodes exactly these by default). Azurite
stores all of them as sent, so on the sandbox `a\\b` and `a/b`, or `v1.` and `v1`, were two mirror blobs;
on Azure they are one, and the second copy overwrites the first, or the upload fails authentication (the
client signs the name with the dot, the service checks it without).

`blob_name(key)` replaces them with look-alikes that Blob names may hold, as rclone does:
control characters with their symbols U+2400-U+241F, DEL with U+2421, a backslash with the fullwidth
U+FF3C and a segment's last `.` with the fullwidth U+FF0E; a key that holds one of those replacements
itself, or the quote U+201B, has it quoted with U+201B, so that `key_of(blob_name(key)) == key` for every
key. Most keys have none of these characters and are their own blob names (`plain`); only the rest change,
so a mirror written before this encoding keeps matching for them.

The replacements do not sort where the characters they replace sort, so a merge join of a listing in key
order with a listing in blob-name order holds only for plain names: `compare` joins the others at the end
of a unit (in memory, or in a scratch SQLite file past 10,000).
"""

from __future__ import annotations

import re

from multicloud_ctl.providers.azure.blobnames import REFUSED_CHARACTERS, SEGMENT_END_DOT

QUOTE = "\u201b"
_DEL = "\u2421"
_BACKSLASH = "\uff3c"
_DOT = "\uff0e"
_CONTROL = {chr(c): chr(0x2400 + c) for c in range(0x20)}
_REPLACEMENTS = frozenset([*_CONTROL.values(), _DEL, _BACKSLASH, _DOT])
_DECODE = {**{v: k for k, v in _CONTROL.items()}, _DEL: "\x7f", _BACKSLASH: "\\", _DOT: "."}
# one scan for "anything to replace or quote": what the Blob service refuses or changes (`blobnames`: a control
# character, DEL, a backslash, a dot that ends a segment), a replacement, or the quote
NOT_PLAIN = re.compile(rf"[{REFUSED_CHARACTERS}\u2400-\u241f\u2421\uff3c\uff0e\u201b]|{SEGMENT_END_DOT}")


def plain(name: str) -> bool:
    """True when `name`, as a key, is its own blob name, and, as a blob name, its own key."""
    return NOT_PLAIN.search(name) is None


def blob_name(key: str) -> str:
    """The blob name (relative to the mirror's prefix) that holds the object `key`.

    Names too long or too deep for a blob name stay so: they are refused before the copy
    (`providers/azure/blobnames.py`), and the daily run reports them and ends degraded.
    """
    if plain(key):
        return key
    out: list[str] = []
    last = len(key) - 1
    for i, c in enumerate(key):
        if c in _REPLACEMENTS or c == QUOTE:
            out.append(QUOTE + c)
        elif c in _CONTROL:
            out.append(_CONTROL[c])
        elif c == "\x7f":
            out.append(_DEL)
        elif c == "\\":
            out.append(_BACKSLASH)
        elif c == "." and (i == last or key[i + 1] == "/"):
            out.append(_DOT)
        else:
            out.append(c)
    return "".join(out)


def key_of(name: str) -> str:
    """The S3 key a mirror blob name (relative to the mirror's prefix) holds: `blob_name` undone."""
    if QUOTE not in name and not _REPLACEMENTS.intersection(name):
        return name
    out: list[str] = []
    chars = iter(name)
    for c in chars:
        if c == QUOTE:
            out.append(next(chars, QUOTE))
        else:
            out.append(_DECODE.get(c, c))
    return "".join(out)
