"""A tiny Blob service on 127.0.0.1 that speaks just enough of the wire protocol for the backup copy paths.

It records every request (method, path, query, headers, body) and behaves like Azure for Put Block From
URL: it fetches `x-ms-copy-source` itself (with `x-ms-source-range`), which Azurite cannot do, checks
`x-ms-source-content-md5` against what it fetched (400 Md5Mismatch, as Azure answers), and answers a source
that cannot be read with CannotVerifyCopySource and the source's status (as Azure does). It can be
told to answer Put Block From URL with 501 (as Azurite does) to exercise the fallback, and to fail the
next requests with given statuses (`fail_next`) to exercise retries and error mapping.

Delete Blob and Blob Batch (`POST ?restype=container&comp=batch`, Delete Blob subrequests) behave as
the service documents them (https://learn.microsoft.com/rest/api/storageservices/blob-batch): a batch of
more than 256 subrequests is refused whole (400 ExceedsMaxBatchRequestCount), a body that is not
multipart/mixed with a boundary is refused (400 InvalidHeaderValue), the answer is 202 with one
application/http part per subrequest in request order, and one subrequest's failure (404 BlobNotFound)
does not fail the others.

Names as the service takes them ("Naming and Referencing Containers, Blobs, and Metadata"): a container
name of other than 3-63 characters is refused with 400 OutOfRangeInput, one with characters other than a-z,
0-9 and single hyphens between them with 400 InvalidResourceName (the codes and messages Azure answers,
as seen in github.com/Azure/LogicAppsUX/issues/3470 and github.com/Azure/azure-cli/issues/11052). A blob
name is stored as Azure stores it (measured on Azure by rclone's author, whose azureblob backend encodes
around it): a backslash becomes `/` and the dots that end a path segment are dropped, so `a\\b` and `a/b` are one
blob here as there (Azurite keeps them apart). Not modelled: control characters, which Azure also refuses,
and segments of dots only (`..`), which an HTTP stack may resolve before the service sees the name.

For the benches: `record=False` keeps no request log (a million requests would hold gigabytes),
listings bisect a sorted index of the names (rebuilt only after a write), `source_host` fetches copy
sources from another host:port than the URL names (the way to the source that Azure has and the client
does not: a bench counts the client's bytes on a proxy), and `sent` counts the bytes of the answers.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import re
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BATCH_LIMIT = 256  # subrequests the service takes in one Blob Batch request
_CONTAINER = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SEGMENT_DOT = re.compile(r"(?<=[^/.])\.+(?=/|\Z)")  # a segment of dots only is left as sent
SAS_PARAMS = frozenset({"sv", "ss", "srt", "sr", "sp", "st", "se", "spr", "sig", "skoid", "sktid"})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeBlobService:
    requests: list[Recorded] = field(default_factory=list)
    staged: dict[tuple[str, str], bytes] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    refuse_copy_from_url: bool = False
    fail_next: list[tuple[int, str]] = field(default_factory=list)  # (status, error code) for the next requests
    refuse_from_url: dict[str, tuple[int, str]] = field(default_factory=dict)  # blob -> Put Block From URL answer
    record: bool = True  # keep `requests` (tests); the benches turn it off
    source_host: str | None = None  # host:port to fetch copy sources from instead of the URL's
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Any = None
    _names: list[str] | None = None  # sorted blob names; None after a write
    deleted: int = 0  # blobs deleted (singly or in batches)
    batches: int = 0  # Blob Batch requests served

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> FakeBlobService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _reply(
                self, status: int, body: bytes = b"", ctype: str = "application/xml", error: str | None = None
            ) -> None:
                self.send_response(status)
                if error:
                    self.send_header("x-ms-error-code", error)
                self.send_header("x-ms-request-id", "fake-req-1")
                self.send_header("x-ms-version", "2025-01-05")
                self.send_header("Date", formatdate(usegmt=True))
                self.send_header("Last-Modified", formatdate(usegmt=True))
                self.send_header("ETag", '"0x8DC0FAKE"')
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, code: str) -> None:
                """An error in the service's shape (the SDK needs the Message element)."""
                body = (
                    f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
                    f"<Message>{code} (fake)\nRequestId:fake-req-1</Message></Error>"
                ).encode()
                return self._reply(status, body, error=code)

            def _handle(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                rec = Recorded(self.command, unquote(url.path), query, headers, body)
                with service.lock:
                    if service.record:
                        service.requests.append(rec)
                    failure = service.fail_next.pop(0) if service.fail_next else None
                if failure is not None:
                    status, code = failure
                    return self._reply(status, f"<Error><Code>{code}</Code></Error>".encode(), error=code)
                query = {k: v for k, v in query.items() if k not in SAS_PARAMS}  # recorded with, served without
                parts = rec.path.strip("/").split("/", 2)  # account, container, blob
                refused = _container_refusal(parts[1]) if len(parts) > 1 else None
                if refused is not None:
                    return self._error(400, refused)
                blob = stored_name(parts[2]) if len(parts) > 2 else ""
                if query.get("restype") == "container" and query.get("comp") == "list":
                    page = service.listing(
                        query.get("prefix", ""),
                        query.get("delimiter", ""),
                        int(query.get("maxresults", "5000")),
                        query.get("marker", ""),
                    )
                    return self._reply(200, page)
                if self.command == "POST" and query.get("comp") == "batch":
                    return self._batch(parts[1] if len(parts) > 1 else "", headers, body)
                if query.get("restype") == "container":
                    return self._reply(200 if self.command == "GET" else 201)
                if self.command == "DELETE" and blob:
                    status, code = service.delete(blob)
                    if code:
                        return self._error(status, code)
                    return self._reply(status)
                if self.command == "PUT" and query.get("comp") == "block":
                    return self._put_block(blob, query["blockid"], headers, body)
                if self.command == "PUT" and query.get("comp") == "blocklist":
                    ids = [e.text or "" for e in ET.fromstring(body)]
                    with service.lock:
                        service.blobs[blob] = b"".join(service.staged.pop((blob, i)) for i in ids)
                        service.metadata[blob] = _meta(headers)
                        service._names = None
                    return self._reply(201)
                if self.command == "PUT" and not query:
                    with service.lock:
                        service.blobs[blob] = body
                        service.metadata[blob] = _meta(headers)
                        service._names = None
                    return self._reply(201)
                return self._reply(400, b"<Error><Code>UnsupportedByFake</Code></Error>")

            def _batch(self, container: str, headers: dict[str, str], body: bytes) -> None:
                kind, _, params = headers.get("content-type", "").partition(";")
                boundary = params.strip().removeprefix("boundary=").strip('"') if "boundary=" in params else ""
                if kind.strip().lower() != "multipart/mixed" or not boundary:
                    return self._error(400, "InvalidHeaderValue")
                requests = _subrequests(body, boundary)
                if len(requests) > BATCH_LIMIT:
                    return self._error(400, "ExceedsMaxBatchRequestCount")
                out = "batchresponse_fake"
                chunks = []
                for content_id, method, path in requests:
                    target = unquote(urlsplit(path).path).strip("/").split("/")
                    # the subrequest path is /<account>/<container>/<blob> here (path-style, as the SDK sends it)
                    name = stored_name("/".join(target[2:])) if len(target) > 2 and target[1] == container else ""
                    status, code = service.delete(name) if method == "DELETE" and name else (400, "InvalidUri")
                    reason = {202: "Accepted", 404: "The specified blob does not exist.", 400: "Bad Request"}[status]
                    sub = [f"HTTP/1.1 {status} {reason}", "x-ms-request-id: fake-sub", "x-ms-version: 2025-01-05"]
                    payload = ""
                    if code:
                        payload = f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code></Error>'
                        sub += [f"x-ms-error-code: {code}", "Content-Type: application/xml"]
                    else:
                        sub.append("x-ms-delete-type-permanent: true")
                    sub.append(f"Content-Length: {len(payload.encode())}")
                    head = f"--{out}\r\nContent-Type: application/http\r\nContent-ID: {content_id}\r\n\r\n"
                    chunks.append(head + "\r\n".join(sub) + "\r\n\r\n" + payload + "\r\n")
                chunks.append(f"--{out}--\r\n")
                with service.lock:
                    service.batches += 1
                return self._reply(202, "".join(chunks).encode(), ctype=f"multipart/mixed; boundary={out}")

            def _put_block(self, blob: str, block: str, headers: dict[str, str], body: bytes) -> None:
                source = headers.get("x-ms-copy-source")
                if source is not None:
                    if blob in service.refuse_from_url:
                        return self._error(*service.refuse_from_url[blob])
                    if service.refuse_copy_from_url:
                        return self._reply(
                            501,
                            b'<?xml version="1.0" encoding="utf-8"?><Error><Code>'
                            b"NotImplemented</Code><Message>Current API is not implemented"
                            b"</Message></Error>",
                            error="NotImplemented",
                        )
                    if service.source_host is not None:
                        source = urlsplit(source)._replace(netloc=service.source_host).geturl()
                    req = urllib.request.Request(source, headers={"Range": headers["x-ms-source-range"]})
                    try:
                        with urllib.request.urlopen(req, timeout=10) as resp:
                            body = resp.read()
                    except urllib.error.HTTPError as exc:
                        return self._error(exc.code, "CannotVerifyCopySource")
                    expected = headers.get("x-ms-source-content-md5")
                    if expected is not None and base64.b64decode(expected) != hashlib.md5(body).digest():
                        return self._error(400, "Md5Mismatch")
                with service.lock:
                    service.staged[(blob, block)] = body
                return self._reply(201)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def listing(self, prefix: str, delimiter: str = "", maxresults: int = 5000, marker: str = "") -> bytes:
        """A List Blobs answer with the stored blobs under `prefix`, their sizes and metadata.

        With a delimiter, names with the delimiter after `prefix` are rolled up into `BlobPrefix` elements
        (in name order among the blobs, as the service lists them). At most `maxresults` entries a page; the
        NextMarker is the last name (or prefix) given, and the next page starts after it.
        """
        root = ET.Element("EnumerationResults", ServiceEndpoint="http://127.0.0.1/", ContainerName="c")
        blobs = ET.SubElement(root, "Blobs")
        emitted, next_marker, more = 0, "", False
        with self.lock:
            if self._names is None or len(self._names) != len(self.blobs):  # also after a direct write
                self._names = sorted(self.blobs)
            names = self._names
            at = bisect.bisect_left(names, prefix)
            if marker:
                after = _successor(marker) if delimiter and marker.endswith(delimiter) else marker + "\0"
                at = max(at, bisect.bisect_left(names, after))
            while at < len(names) and names[at].startswith(prefix):
                if emitted >= maxresults:
                    more = True
                    break
                name = names[at]
                cut = name.find(delimiter, len(prefix)) if delimiter else -1
                emitted += 1
                if cut >= 0:
                    next_marker = name[: cut + len(delimiter)]
                    ET.SubElement(ET.SubElement(blobs, "BlobPrefix"), "Name").text = next_marker
                    at = bisect.bisect_left(names, _successor(next_marker))  # past everything rolled up
                    continue
                next_marker = name
                blob = ET.SubElement(blobs, "Blob")
                ET.SubElement(blob, "Name").text = name
                props = ET.SubElement(blob, "Properties")
                ET.SubElement(props, "Content-Length").text = str(len(self.blobs[name]))
                ET.SubElement(props, "Last-Modified").text = formatdate(usegmt=True)
                ET.SubElement(props, "Etag").text = "0x8DC0FAKE"
                meta = ET.SubElement(blob, "Metadata")
                for key, value in self.metadata.get(name, {}).items():
                    ET.SubElement(meta, key).text = value
                at += 1
        ET.SubElement(root, "NextMarker").text = next_marker if more else None
        return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root)

    def delete(self, name: str) -> tuple[int, str]:
        """Delete Blob: 202, or 404 BlobNotFound."""
        with self.lock:
            if self.blobs.pop(name, None) is None:
                return 404, "BlobNotFound"
            self.metadata.pop(name, None)
            self._names = None
            self.deleted += 1
        return 202, ""

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _container_refusal(name: str) -> str | None:
    """The error code Azure answers for a request naming this container, or None when the name is valid."""
    if not 3 <= len(name) <= 63:
        return "OutOfRangeInput"
    return None if _CONTAINER.fullmatch(name) else "InvalidResourceName"


def stored_name(name: str) -> str:
    """The name Azure stores a blob under: backslashes as '/', each path segment's final dots dropped."""
    return _SEGMENT_DOT.sub("", name.replace("\\", "/"))


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("x-ms-meta-"): v for k, v in headers.items() if k.startswith("x-ms-meta-")}


def _successor(text: str) -> str:
    """The smallest name after every name that starts with `text`."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _subrequests(body: bytes, boundary: str) -> list[tuple[str, str, str]]:
    """(Content-ID, method, path) of each application/http part of a batch body, in order."""
    found = []
    for part in body.split(f"--{boundary}".encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, http = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.split(":", 1) for line in head.decode().split("\r\n") if ":" in line)
        content_id = {k.strip().lower(): v.strip() for k, v in fields.items()}.get("content-id", "")
        method, path, *_ = http.split(b"\r\n", 1)[0].decode().split(" ")
        found.append((content_id, method, path))
    return found
