"""A synthetic S3 bucket on 127.0.0.1 for benches too large for moto: N keys computed on demand, never stored.

Key `i` (0 <= i < N) is `pNN/obj-IIIIIII.bin` with NN = i mod 16 (`PREFIXES`), so every prefix holds every
16th key and, the numbers having a fixed width, a prefix's keys sort in numeric order. Every object has the
same size; its content is its key repeated (`content`), its ETag the MD5 of that, as S3 gives for a
single-part upload. Position lookups are binary searches over a prefix's keys, so a page costs the same at
10,000 keys as at 10 million.

It serves, path-style, what `mcctl backup daily` sends to S3: ListObjectsV2 (`prefix`, `delimiter`,
`continuation-token`, `start-after`, `max-keys`, `encoding-type=url`; the XML as the API reference documents
it, keys in UTF-8 binary order), GetObject and HeadObject (with `Range` and `If-Match`; 404 NoSuchKey,
412 PreconditionFailed), HeadBucket and GetBucketLocation. Signatures are not checked (moto does not check
them either). A request that carries `X-Amz-Target` (DynamoDB's JSON protocol: the environment lease) is
forwarded to `forward` (a moto URL), since boto3 sends every service to the one endpoint. Anything else
is answered 501 NotImplemented and counted in `unsupported`, so a bench can tell that it saw every call.
`sent` counts the bytes of the answers (status line, headers, body) by operation.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from multicloud_ctl.local.moto_strict import S3_PAGE_MAX, s3_max_keys  # "up to 1,000" keys a page, as S3 serves

PREFIXES = 16
WIDTH = 7  # digits of the object number: 10 million keys at most
LAST_MODIFIED = "2026-01-01T00:00:00.000Z"
NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def key_of(i: int) -> str:
    return f"p{i % PREFIXES:02d}/obj-{i:0{WIDTH}d}.bin"


def number_of(key: str) -> int | None:
    """The object number of a key this bucket could hold, else None (bounds are the bucket's to check)."""
    if len(key) != 4 + 4 + WIDTH + 4 or not (key.startswith("p") and key[3:8] == "/obj-" and key.endswith(".bin")):
        return None
    head, digits = key[1:3], key[8 : 8 + WIDTH]
    if not (head.isdigit() and digits.isdigit()):
        return None
    i = int(digits)
    return i if i % PREFIXES == int(head) else None


def successor(text: str) -> str:
    """The smallest string after every string that starts with `text` (its last character incremented)."""
    return text[:-1] + chr(ord(text[-1]) + 1)


@dataclass(frozen=True)
class SyntheticBucket:
    """N keys over `PREFIXES` prefixes, each object `size` bytes."""

    name: str
    count: int
    size: int = 100

    def content(self, i: int) -> bytes:
        seed = key_of(i).encode() + b"\n"
        return (seed * (self.size // len(seed) + 1))[: self.size]

    def etag(self, i: int) -> str:
        return hashlib.md5(self.content(i)).hexdigest()

    def in_prefix(self, p: int) -> int:
        """How many keys prefix number `p` holds."""
        return max(0, (self.count - p + PREFIXES - 1) // PREFIXES)

    def lower_bound(self, text: str) -> tuple[int, int] | None:
        """(prefix number, index in it) of the first key >= `text`, or None when there is none."""
        for p in range(PREFIXES):
            n = self.in_prefix(p)
            if n == 0 or key_of(p + PREFIXES * (n - 1)) < text:
                continue
            lo, hi = 0, n - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if key_of(p + PREFIXES * mid) < text:
                    lo = mid + 1
                else:
                    hi = mid
            return p, lo
        return None

    def keys_from(self, text: str) -> Any:
        """The keys >= `text`, in order (a generator: stop reading it when done)."""
        at = self.lower_bound(text)
        if at is None:
            return
        p, j = at
        while p < PREFIXES:
            n = self.in_prefix(p)
            while j < n:
                yield p + PREFIXES * j
                j += 1
            p, j = p + 1, 0

    def list_v2(
        self, prefix: str = "", delimiter: str = "", max_keys: int = 1000, token: str = "", start_after: str = ""
    ) -> tuple[list[int], list[str], str]:
        """One ListObjectsV2 page: object numbers, common prefixes, and the next token ("" on the last page).

        The token is the string to resume from (URL-safe base64), so a page is one binary search away.
        """
        start = base64.urlsafe_b64decode(token.encode()).decode() if token else ""
        if not token and start_after:
            start = start_after + "\0"  # the first key after it
        start = max(start, prefix)
        objects: list[int] = []
        prefixes: list[str] = []
        resume = ""
        keys = self.keys_from(start)
        while True:
            i = next(keys, None)
            if i is None:
                return objects, prefixes, ""
            key = key_of(i)
            if not key.startswith(prefix):
                return objects, prefixes, ""  # sorted: nothing further starts with it
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if len(objects) + len(prefixes) >= max_keys:
                break
            if cut >= 0:
                rolled = key[: cut + len(delimiter)]
                prefixes.append(rolled)
                resume = successor(rolled)
                keys = self.keys_from(resume)
            else:
                objects.append(i)
                resume = key + "\0"
        return objects, prefixes, base64.urlsafe_b64encode(resume.encode()).decode()


def listing_xml(bucket: SyntheticBucket, query: dict[str, str], max_keys: int) -> bytes:
    """The ListObjectsV2 answer, element for element as the API reference shows it (`max_keys` as parsed)."""
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    max_keys = min(max_keys, S3_PAGE_MAX)  # S3 cuts a page at 1,000 whatever is asked
    token, start_after = query.get("continuation-token", ""), query.get("start-after", "")
    url = query.get("encoding-type") == "url"
    objects, prefixes, next_token = bucket.list_v2(prefix, delimiter, max_keys, token, start_after)

    def text(value: str) -> str:
        return escape(quote(value, safe="/~") if url else value)

    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{NS}">']
    out.append(f"<Name>{escape(bucket.name)}</Name><Prefix>{text(prefix)}</Prefix>")
    if token:
        out.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
    if next_token:
        out.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
    out.append(f"<KeyCount>{len(objects) + len(prefixes)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        out.append(f"<Delimiter>{text(delimiter)}</Delimiter>")
    if url:
        out.append("<EncodingType>url</EncodingType>")
    if start_after:
        out.append(f"<StartAfter>{text(start_after)}</StartAfter>")
    out.append(f"<IsTruncated>{'true' if next_token else 'false'}</IsTruncated>")
    for i in objects:
        out.append(
            f"<Contents><Key>{text(key_of(i))}</Key><LastModified>{LAST_MODIFIED}</LastModified>"
            f"<ETag>&quot;{bucket.etag(i)}&quot;</ETag><Size>{bucket.size}</Size>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
        )
    for p in prefixes:
        out.append(f"<CommonPrefixes><Prefix>{text(p)}</Prefix></CommonPrefixes>")
    out.append("</ListBucketResult>")
    return "".join(out).encode()


@dataclass
class FakeS3Listing:
    """The server: one synthetic bucket, answers counted by operation."""

    bucket: SyntheticBucket
    forward: str | None = None  # moto URL for the DynamoDB calls (the lease)
    requests: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    unsupported: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Any = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeS3Listing:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _reply(
                self, operation: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
                fields = {
                    "x-amz-request-id": "FAKE0000000001",
                    "Date": formatdate(usegmt=True),
                    "Content-Type": "application/xml",
                    **(headers or {}),
                }
                fields.setdefault("Content-Length", str(len(body)))
                head += [f"{k}: {v}" for k, v in fields.items()]
                raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
                if self.command != "HEAD":
                    raw += body
                self.wfile.write(raw)
                with service.lock:
                    service.requests[operation] += 1
                    service.sent[operation] += len(raw)

            def _error(self, operation: str, status: int, code: str, headers: dict[str, str] | None = None) -> None:
                body = (
                    f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                    f"<Message>{code} (fake)</Message><RequestId>FAKE0000000001</RequestId></Error>"
                ).encode()
                self._reply(operation, status, body, headers)

            def _forward(self, body: bytes) -> None:
                target = self.headers.get("X-Amz-Target", "")
                operation = "forwarded " + target.rsplit(".", 1)[-1]
                if service.forward is None:
                    return self._error(operation, 501, "NotImplemented")
                conn = http.client.HTTPConnection(urlsplit(service.forward).netloc, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                    resp = conn.getresponse()
                    data = resp.read()
                    headers = {k: v for k, v in resp.getheaders() if k.lower() not in ("transfer-encoding", "server")}
                    headers["Content-Length"] = str(len(data))
                    return self._reply(operation, resp.status, data, headers)
                finally:
                    conn.close()

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "X-Amz-Target" in self.headers:
                    return self._forward(body)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                name, _, key = unquote(url.path).lstrip("/").partition("/")
                if name != service.bucket.name:
                    return self._error("unknown bucket", 404, "NoSuchBucket")
                if not key and self.command == "GET" and query.get("list-type") == "2":
                    try:
                        max_keys = s3_max_keys(query.get("max-keys", "1000"))
                    except ValueError:  # as S3 answers: 400 InvalidArgument (`local/moto_strict.py`)
                        return self._error("ListObjectsV2", 400, "InvalidArgument")
                    return self._reply("ListObjectsV2", 200, listing_xml(service.bucket, query, max_keys))
                if not key and self.command == "GET" and "location" in query:
                    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="{NS}"/>'
                    return self._reply("GetBucketLocation", 200, body.encode())
                if not key and self.command == "HEAD":
                    return self._reply("HeadBucket", 200, headers={"x-amz-bucket-region": "us-east-1"})
                if key and self.command in ("GET", "HEAD") and not set(query) - SIGNATURE_PARAMS - {"partNumber"}:
                    return self._object(key)
                what = f"{self.command} {url.path}?{url.query}"
                with service.lock:
                    service.unsupported.append(what[:300])
                return self._error("unsupported", 501, "NotImplemented")

            def _object(self, key: str) -> None:
                operation = "GetObject" if self.command == "GET" else "HeadObject"
                i = number_of(key)
                if i is None or i >= service.bucket.count:
                    return self._error(operation, 404, "NoSuchKey")
                etag = f'"{service.bucket.etag(i)}"'
                wanted = self.headers.get("If-Match")
                if wanted is not None and wanted not in ("*", etag):
                    return self._error(operation, 412, "PreconditionFailed")
                data = service.bucket.content(i)
                headers = {
                    "ETag": etag,
                    "Last-Modified": "Thu, 01 Jan 2026 00:00:00 GMT",
                    "Accept-Ranges": "bytes",
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(len(data)),
                }
                ranged = self.headers.get("Range")
                if ranged is None:
                    return self._reply(operation, 200, data, headers)
                first_text, _, last_text = ranged.removeprefix("bytes=").partition("-")
                first = int(first_text) if first_text else max(0, len(data) - int(last_text))
                last = min(int(last_text), len(data) - 1) if first_text and last_text else len(data) - 1
                if first >= len(data) or first > last:
                    return self._error(operation, 416, "InvalidRange", {"Content-Range": f"bytes */{len(data)}"})
                part = data[first : last + 1]
                headers |= {"Content-Range": f"bytes {first}-{last}/{len(data)}", "Content-Length": str(len(part))}
                return self._reply(operation, 206, part, headers)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-s3", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


SIGNATURE_PARAMS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        "AWSAccessKeyId",
        "Signature",
        "Expires",
    }
)
