"""AWS Signature Version 4 with the standard library only (no botocore), for the calls of a no-change pass.

    creds = StaticCredentials("AKIA...", "secret")
    headers = sign("GET", url, {}, creds, service="s3", region="us-east-1", when=clock.now())

Per the AWS reference ("Create a signed AWS API request",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):

- the canonical request is the method, the canonical URI, the canonical query string, the canonical headers
  (lowercased names, values trimmed with inner runs of spaces folded to one, sorted by name, `name:value` a
  line), the signed header names (`;`-joined) and the hex SHA-256 of the payload, one a line;
- the canonical URI is the URI-encoded path: every byte but the unreserved characters `A-Za-z0-9-._~` and
  `/` percent-encoded. S3 encodes the path once; every other service encodes each segment twice (the
  path as sent, encoded again), so that `%2F` in a key is not a separator. Empty means `/`;
- the canonical query string is every parameter, name and value URI-encoded (`/` encoded too), sorted by
  encoded name then value, `name=value` joined by `&`;
- the string to sign is `AWS4-HMAC-SHA256`, the request time (`YYYYMMDDTHHMMSSZ`), the scope
  (`date/region/service/aws4_request`) and the hex SHA-256 of the canonical request, one a line;
- the signing key is HMAC-SHA256 chained over `"AWS4" + secret`, the date, the region, the service and
  `aws4_request`; the signature is the hex HMAC of the string to sign under that key, sent as
  `Authorization: AWS4-HMAC-SHA256 Credential=KEY/scope, SignedHeaders=..., Signature=...`.

S3 also wants `x-amz-content-sha256` (the payload hash, or `UNSIGNED-PAYLOAD`) among the signed headers; a
session token goes in `x-amz-security-token`, signed. The tests sign the same requests with botocore's
`SigV4Auth`/`S3SigV4Auth` at the same instant and compare the headers byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"


@dataclass(frozen=True)
class StaticCredentials:
    """An access key, its secret and (for temporary credentials) the session token."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str = field(default="", repr=False)


def _encode(text: str, *, slash: bool) -> str:
    """URI-encode as SigV4 does: unreserved characters kept, `/` kept only when `slash`."""
    return quote(text, safe="-_.~/" if slash else "-_.~")


def canonical_uri(path: str, service: str) -> str:
    """S3: the path as sent (already encoded); other services: the path as sent, encoded again."""
    if not path:
        return "/"
    return path if service == "s3" else _encode(path, slash=True)


def canonical_query(query: str) -> str:
    pairs = [(_encode(k, slash=False), _encode(v, slash=False)) for k, v in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _fold(value: str) -> str:
    return " ".join(str(value).split())


def _key(secret: str, day: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    credentials: StaticCredentials,
    *,
    service: str,
    region: str,
    when: datetime,
    payload_hash: str = EMPTY_SHA256,
) -> dict[str, str]:
    """`headers` plus Host, X-Amz-Date, X-Amz-Security-Token (when a token), X-Amz-Content-Sha256 (S3) and
    Authorization, for sending `method url` with a body whose hex SHA-256 is `payload_hash`.

    `url`'s path must be as sent: this function encodes it for the canonical request, it does not change
    what goes on the wire.
    """
    parts = urlsplit(url)
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = dict(headers)
    host = parts.hostname or ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    out["Host"] = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    out["X-Amz-Date"] = stamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    if service == "s3":
        out["X-Amz-Content-Sha256"] = payload_hash
    canon = {k.lower(): _fold(v) for k, v in out.items()}
    names = sorted(canon)
    signed = ";".join(names)
    request = "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path, service),
            canonical_query(parts.query),
            "".join(f"{n}:{canon[n]}\n" for n in names),
            signed,
            payload_hash,
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(request.encode()).hexdigest()])
    signature = hmac.new(
        _key(credentials.secret_key, stamp[:8], region, service), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    return out
