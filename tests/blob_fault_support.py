"""A forwarding proxy in front of Azurite that answers 500 to every request for a window of time: a Blob outage.

Azure Storage answers a failing server with HTTP 500 and an XML error body (`InternalError`, "The server
encountered an internal error. Please retry the request.",
https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes); this proxy does that for
every request that arrives while the window is open, and forwards everything else to Azurite byte for byte.
The window opens after `after` more requests have been forwarded (so a run is mid-way when it starts) and
stays open `seconds` of monotonic time. Loopback only.
"""

from __future__ import annotations

import http.client
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from multicloud_ctl.engine.clock import Clock
from multicloud_ctl.local.processes import free_port

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
ERROR = (
    b'<?xml version="1.0" encoding="utf-8"?><Error><Code>InternalError</Code><Message>The server encountered an '
    b"internal error. Please retry the request.</Message></Error>"
)


class BlobOutage:
    """`start()`, `outage(seconds, after=n)`, `url`, `stop()`; `failed` and `forwarded` count requests."""

    def __init__(self, upstream: str, clock: Clock | None = None) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname == "127.0.0.1", "loopback only"
        self.upstream = (parts.hostname, parts.port or 80)
        self.clock = clock or Clock.system()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.forwarded = 0
        self.failed = 0
        self.opened_at: float | None = None
        self.closed_at: float | None = None
        self._after: int | None = None
        self._seconds = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="blob-outage", daemon=True)

    def start(self) -> BlobOutage:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def outage(self, seconds: float, *, after: int = 0) -> None:
        """Answer 500 to everything for `seconds`, starting once `after` more requests have been forwarded."""
        with self._lock:
            self._seconds = seconds
            self._after = self.forwarded + after
            self.opened_at = self.closed_at = None

    def _failing(self) -> bool:
        with self._lock:
            now = self.clock.monotonic()
            if self.opened_at is None and self._after is not None and self.forwarded >= self._after:
                self.opened_at, self.closed_at = now, now + self._seconds
            if self.opened_at is not None and self.closed_at is not None and now < self.closed_at:
                self.failed += 1
                return True
            return False

    @property
    def over(self) -> bool:
        """The window opened and has closed."""
        with self._lock:
            return self.closed_at is not None and self.clock.monotonic() >= self.closed_at

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                assert "chunked" not in (self.headers.get("transfer-encoding") or ""), "the SDKs send a length"
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy._failing():
                    self.send_response(500)
                    for key, value in (
                        ("Content-Type", "application/xml"),
                        ("x-ms-error-code", "InternalError"),
                        ("x-ms-request-id", str(uuid.uuid4())),
                        ("Content-Length", str(len(ERROR))),
                    ):
                        self.send_header(key, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(ERROR)
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    self.send_response(resp.status)
                    for key, value in resp.getheaders():
                        if key.lower() not in HOP and key.lower() != "content-length":
                            self.send_header(key, value)
                    # a HEAD answer's length is the blob's (Get Blob Properties reads the size from it)
                    size = resp.getheader("content-length") if self.command == "HEAD" else None
                    self.send_header("Content-Length", size or str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()
                with proxy._lock:
                    proxy.forwarded += 1

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        return Handler
