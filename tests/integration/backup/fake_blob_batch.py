"""A Blob service on 127.0.0.1 that speaks the Blob Batch wire format, strictly, and fails subrequests on demand.

Azurite 3.35 serves the container batch but cannot be told to fail one subrequest with 500, which is what a
storage front end under load does. This fake serves the calls a bulk delete makes, for blobs it holds in
memory: List Blobs (one page), Delete Blob, and `POST /<account>/<container>?restype=container&comp=batch`
(https://learn.microsoft.com/rest/api/storageservices/blob-batch). It checks the batch like the service
does and refuses what the service refuses:

- `Content-Type: multipart/mixed; boundary=batch_<id>`; `x-ms-version` 2020-04-08 or later (container
  scope); an `Authorization` header on the batch and on every subrequest;
- every part `Content-Type: application/http`, `Content-Transfer-Encoding: binary`, a `Content-ID`;
- 1 to 256 subrequests (more: `ExceedsMaxBatchRequestCount`, answered as one error part, as Azurite does),
  all Delete Blob (`DELETE`) on the batch's own container (otherwise 400 `InvalidInput`).

Answers are 202 with `multipart/mixed; boundary=batchresponse_<id>`, one `application/http` part per
subrequest in request order carrying its Content-ID: `HTTP/1.1 202 Accepted` with
`x-ms-delete-type-permanent: true`, or the error status with `x-ms-error-code` and an XML error body.
`fail_blob(name, status, times)` makes the next `times` subrequests for that blob answer `status`;
`refuse_batches` answers whole batches with (status, error code) instead.
Every batch received is recorded (`batches`: the subrequest lines of each).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

REASONS = {202: "Accepted", 400: "Bad Request", 404: "The specified blob does not exist.", 500: "Internal Error"}
CODES = {404: "BlobNotFound", 500: "InternalError", 503: "ServerBusy"}


@dataclass
class FakeBatchBlobService:
    account: str = "devstoreaccount1"
    blobs: dict[str, bytes] = field(default_factory=dict)
    failing: dict[str, list[int]] = field(default_factory=dict)  # blob -> statuses for its next subrequests
    batches: list[list[str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # error codes of refused batches
    single_deletes: int = 0
    refuse_batches: list[tuple[int, str]] = field(default_factory=list)  # whole-batch answers for the next batches
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Any = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def fail_blob(self, name: str, status: int = 500, times: int = 1) -> None:
        with self.lock:
            self.failing.setdefault(name, []).extend([status] * times)

    def start(self) -> FakeBatchBlobService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _reply(self, status: int, body: bytes = b"", ctype: str = "application/xml", code: str = "") -> None:
                self.send_response(status)
                if code:
                    self.send_header("x-ms-error-code", code)
                self.send_header("x-ms-request-id", str(uuid.uuid4()))
                self.send_header("x-ms-version", "2025-01-05")
                self.send_header("Date", formatdate(usegmt=True))
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, code: str) -> None:
                self._reply(status, f"<?xml version='1.0'?><Error><Code>{code}</Code></Error>".encode(), code=code)

            def _handle(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = unquote(url.path).strip("/").split("/", 2)  # account, container, blob
                if len(parts) < 2 or parts[0] != service.account:
                    return self._error(400, "InvalidUri")
                container, blob = parts[1], parts[2] if len(parts) > 2 else ""
                if self.command == "POST" and query.get("comp") == "batch":
                    return self._batch(container, query, body)
                if query.get("restype") == "container" and query.get("comp") == "list":
                    return self._reply(200, service.listing(query.get("prefix", "")))
                if query.get("restype") == "container":
                    return self._reply(200 if self.command in ("GET", "HEAD") else 201)
                if self.command == "DELETE" and blob:
                    with service.lock:
                        service.single_deletes += 1
                        gone = service.blobs.pop(blob, None)
                    return self._reply(202) if gone is not None else self._error(404, "BlobNotFound")
                return self._error(400, "UnsupportedByFake")

            def _batch(self, container: str, query: dict[str, str], body: bytes) -> None:
                ctype = self.headers.get("Content-Type", "")
                found = re.fullmatch(r"multipart/mixed; boundary=(batch_[0-9a-f-]+)", ctype)
                with service.lock:
                    refusal = service.refuse_batches.pop(0) if service.refuse_batches else None
                if refusal is not None:
                    return self._error(*refusal)
                if query.get("restype") != "container" or found is None:
                    return self._error(400, "InvalidHeaderValue")
                if (self.headers.get("x-ms-version") or "") < "2020-04-08" or not self.headers.get("Authorization"):
                    return self._error(400 if self.headers.get("Authorization") else 403, "InvalidHeaderValue")
                try:
                    subrequests = list(parse_batch(body, found.group(1)))
                except ValueError as exc:
                    service.refused.append(str(exc))
                    return self._error(400, "InvalidInput")
                if not subrequests:
                    service.refused.append("InvalidInput")
                    return self._error(400, "InvalidInput")
                answers: list[tuple[str, int]] = []
                if len(subrequests) > 256:
                    service.refused.append("ExceedsMaxBatchRequestCount")
                    answers = [("0", 400)]
                    return self._batch_reply(answers, code="ExceedsMaxBatchRequestCount")
                lines = []
                for content_id, method, path, headers in subrequests:
                    where = unquote(urlsplit(path).path).strip("/").split("/", 2)
                    ok = method == "DELETE" and len(where) == 3 and where[:2] == [service.account, container]
                    if not ok or "authorization" not in headers:
                        service.refused.append("InvalidInput")
                        return self._error(400, "InvalidInput")
                    lines.append(f"{method} {path}")
                    with service.lock:
                        queued = service.failing.get(where[2])
                        if queued:
                            answers.append((content_id, queued.pop(0)))
                        elif service.blobs.pop(where[2], None) is not None:
                            answers.append((content_id, 202))
                        else:
                            answers.append((content_id, 404))
                with service.lock:
                    service.batches.append(lines)
                self._batch_reply(answers)

            def _batch_reply(self, answers: list[tuple[str, int]], code: str = "") -> None:
                boundary = f"batchresponse_{uuid.uuid4()}"
                out = []
                for content_id, status in answers:
                    error = code or CODES.get(status, "")
                    inner = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
                    payload = b""
                    if status == 202:
                        inner.append("x-ms-delete-type-permanent: true")
                    else:
                        inner.append(f"x-ms-error-code: {error}")
                        payload = f"<?xml version='1.0'?><Error><Code>{error}</Code></Error>".encode()
                        inner.append("Content-Type: application/xml")
                    inner += [f"x-ms-request-id: {uuid.uuid4()}", "x-ms-version: 2025-01-05"]
                    inner.append(f"Content-Length: {len(payload)}")
                    head = f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {content_id}\r\n\r\n"
                    out.append(head.encode() + "\r\n".join(inner).encode() + b"\r\n\r\n" + payload + b"\r\n")
                body = b"".join(out) + f"--{boundary}--\r\n".encode()
                self._reply(202, body, ctype=f"multipart/mixed; boundary={boundary}")

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def listing(self, prefix: str) -> bytes:
        with self.lock:
            names = sorted(n for n in self.blobs if n.startswith(prefix))
        items = "".join(
            f"<Blob><Name>{n}</Name><Properties><Content-Length>{len(self.blobs.get(n, b''))}</Content-Length>"
            f"<Last-Modified>{formatdate(usegmt=True)}</Last-Modified><Etag>0x8DC0FAKE</Etag></Properties></Blob>"
            for n in names
        )
        return (
            f"<?xml version='1.0' encoding='utf-8'?><EnumerationResults><Blobs>{items}</Blobs>"
            "<NextMarker /></EnumerationResults>"
        ).encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def parse_batch(body: bytes, boundary: str) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(Content-ID, method, path, headers) of each subrequest; ValueError when the body is not a valid batch."""
    text = body.decode()
    delimiter = f"--{boundary}"
    if not text.rstrip().endswith(f"{delimiter}--"):
        raise ValueError("batch body does not end with the closing delimiter")
    for chunk in text.split(delimiter)[1:-1]:
        head, _, http = chunk.strip("\r\n").partition("\r\n\r\n")
        part_headers = dict(h.split(": ", 1) for h in head.split("\r\n"))
        if part_headers.get("Content-Type") != "application/http":
            raise ValueError("part is not application/http")
        if part_headers.get("Content-Transfer-Encoding") != "binary" or "Content-ID" not in part_headers:
            raise ValueError("part lacks Content-Transfer-Encoding: binary or Content-ID")
        request_line, *lines = http.strip("\r\n").split("\r\n")
        method, path, version = request_line.split(" ")
        if version != "HTTP/1.1":
            raise ValueError("subrequest is not HTTP/1.1")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines if line)}
        yield part_headers["Content-ID"], method, path, headers
