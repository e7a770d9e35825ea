"""Azure Storage "Shared Key" authorization, with the standard library only (no azure-core).

    key = SharedKey("devstoreaccount1", AZURITE_KEY)
    headers = key.sign("GET", url, {"x-ms-date": ..., "x-ms-version": BLOB_API_VERSION})

The string to sign is, per https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key:
the verb; the values of Content-Encoding, Content-Language, Content-Length (empty when 0), Content-MD5,
Content-Type, Date, If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since and Range, one a line;
the canonicalized headers (every `x-ms-*` header, lowercased, sorted, `name:value` a line); and the
canonicalized resource (`/account/path`, then one `\\nname:value` line per query parameter, names
lowercased and sorted, values URL-decoded, several values of one name sorted and comma-joined). The
signature is base64(HMAC-SHA256(base64-decoded key, UTF-8 string to sign)), sent as
`Authorization: SharedKey account:signature`.

The `x-ms-*` headers are sorted the way the service sorts them, not by code point: the service's
comparison ignores `-` at the first level (so `x-ms-meta-a_b` and `x-ms-meta-ab-c` order as `ab` against
`abc`). `_header_order` is the azure-storage-blob SDK's table-driven emulation of it
(`azure/storage/blob/_shared/authentication.py`, `compare`), so both sign the same string; the tests
check our signatures against the SDK's policy and against Azurite.

The path is the URL's path as sent (still percent-encoded): for Azurite's path-style URLs it includes the
account, so the resource reads `/devstoreaccount1/devstoreaccount1/container`, as the SDK signs it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cmp_to_key
from urllib.parse import parse_qsl, urlsplit

# The azure-storage-blob SDK's default x-ms-version (`BlobServiceClient(...).api_version`): the wire path
# speaks the same version as the SDK calls beside it. tests/unit/providers_azure keeps the two equal.
BLOB_API_VERSION = "2026-10-06"

SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)

# Character weights of the service's header comparison, level 0 and level 4 (copied from the SDK, see above):
# 0 means "ignored at this level"; letters weigh the same in either case.
# fmt: off
_LV0 = [
    0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
    0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
    0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x71c, 0x0, 0x71f, 0x721, 0x723, 0x725,
    0x0, 0x0, 0x0, 0x72d, 0x803, 0x0, 0x0, 0x733, 0x0, 0xd03, 0xd1a, 0xd1c, 0xd1e,
    0xd20, 0xd22, 0xd24, 0xd26, 0xd28, 0xd2a, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
    0xe02, 0xe09, 0xe0a, 0xe1a, 0xe21, 0xe23, 0xe25, 0xe2c, 0xe32, 0xe35, 0xe36, 0xe48, 0xe51,
    0xe70, 0xe7c, 0xe7e, 0xe89, 0xe8a, 0xe91, 0xe99, 0xe9f, 0xea2, 0xea4, 0xea6, 0xea7, 0xea9,
    0x0, 0x0, 0x0, 0x743, 0x744, 0x748, 0xe02, 0xe09, 0xe0a, 0xe1a, 0xe21, 0xe23, 0xe25,
    0xe2c, 0xe32, 0xe35, 0xe36, 0xe48, 0xe51, 0xe70, 0xe7c, 0xe7e, 0xe89, 0xe8a, 0xe91, 0xe99,
    0xe9f, 0xea2, 0xea4, 0xea6, 0xea7, 0xea9, 0x0, 0x74c, 0x0, 0x750, 0x0,
]
_LV4 = [0x0] * 128
_LV4[0x27], _LV4[0x2D] = 0x8012, 0x8212  # ' and -: weighed only at this level
# fmt: on


def _header_order(lhs: str, rhs: str) -> int:
    """-1, 0 or 1: the service's order of two lowercase `x-ms-*` header names (the SDK's `compare`)."""
    tables = (_LV0, _LV4)
    level, i, j = 0, 0, 0
    while level < len(tables):
        if level == len(tables) - 1 and i != j:
            return -1 if i > j else 1
        w1 = tables[level][ord(lhs[i])] if i < len(lhs) else 0x1
        w2 = tables[level][ord(rhs[j])] if j < len(rhs) else 0x1
        if w1 == 0x1 and w2 == 0x1:
            i = j = 0
            level += 1
        elif w1 == w2:
            i += 1
            j += 1
        elif w1 == 0:
            i += 1
        elif w2 == 0:
            j += 1
        else:
            return -1 if w1 < w2 else 1
    return 0


_ORDER = cmp_to_key(_header_order)


class SharedKey:
    """Signs Blob REST requests with a storage account's name and key (never logged: see `__repr__`)."""

    def __init__(self, account: str, key: str) -> None:
        self.account = account
        self._key = base64.b64decode(key)

    def __repr__(self) -> str:
        return f"SharedKey(account={self.account!r})"

    def string_to_sign(self, method: str, url: str, headers: dict[str, str]) -> str:
        lower = {name.lower(): value for name, value in headers.items() if value}
        if lower.get("content-length") == "0":
            del lower["content-length"]  # version 2015-02-21 and later: empty when zero
        lines = [method.upper(), *(lower.get(name, "") for name in SIGNED_HEADERS)]
        ms = sorted((name for name in lower if name.startswith("x-ms-")), key=_ORDER)
        canonical_headers = "".join(f"{name}:{lower[name]}\n" for name in ms)
        parts = urlsplit(url)
        resource = f"/{self.account}{parts.path or '/'}"
        params: dict[str, list[str]] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            params.setdefault(name.lower(), []).append(value)
        for name in sorted(params):
            resource += f"\n{name}:{','.join(sorted(params[name]))}"
        return "\n".join(lines) + "\n" + canonical_headers + resource

    def signature(self, method: str, url: str, headers: dict[str, str]) -> str:
        digest = hmac.new(self._key, self.string_to_sign(method, url, headers).encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def sign(self, method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        """`headers` with the Authorization header added (a new dict)."""
        return {**headers, "Authorization": f"SharedKey {self.account}:{self.signature(method, url, headers)}"}


def parse_connection_string(conn: str) -> dict[str, str]:
    """A storage connection string's `Name=value;` pairs (values may contain `=`: base64 keys do)."""
    out: dict[str, str] = {}
    for part in conn.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name.strip()] = value.strip()
    return out
