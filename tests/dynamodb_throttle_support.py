"""A forwarding proxy in front of moto whose BatchWriteItem leaves items unprocessed, as a throttled table does.

moto always processes every item. Real DynamoDB answers 200 with the items it did not write under
`UnprocessedItems` (same shape as the request's `RequestItems`,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html); this proxy does that
for the next `throttle_calls` BatchWriteItem calls (-1: every call), keeping `keep_unprocessed` items of each
call unprocessed (all of them by default) and forwarding the rest to moto. Everything else is forwarded
byte for byte.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from multicloud_ctl.local.processes import free_port

TARGET = "DynamoDB_20120810.BatchWriteItem"


class ThrottlingDynamoDb:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.throttle_calls = 0
        self.keep_unprocessed: int | None = None
        self.batch_calls = 0
        self.throttled_calls = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, status: int, headers: Any, data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _forward(self, body: bytes | None) -> tuple[int, Any, bytes]:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        return resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as err:
                    return err.code, err.headers, err.read()

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                if self.headers.get("x-amz-target") == TARGET and body is not None:
                    keep = proxy.take()
                    if keep is not None:
                        request = json.loads(body)["RequestItems"]
                        unprocessed: dict[str, list[Any]] = {}
                        forward: dict[str, list[Any]] = {}
                        for table, writes in request.items():
                            n = len(writes) if keep < 0 else min(keep, len(writes))
                            if n:
                                unprocessed[table] = writes[:n]
                            if writes[n:]:
                                forward[table] = writes[n:]
                        if forward:
                            self._forward(json.dumps({"RequestItems": forward}).encode())
                        data = json.dumps({"UnprocessedItems": unprocessed}).encode()
                        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-RequestId": "throttled"}
                        return self._send(200, headers, data)
                status, headers, data = self._forward(body)
                self._send(status, headers, data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def throttle(self, calls: int = -1, keep_unprocessed: int | None = None) -> None:
        """Leave items unprocessed on the next `calls` BatchWriteItem calls (-1: all of them from now on)."""
        with self.lock:
            self.throttle_calls, self.keep_unprocessed = calls, keep_unprocessed

    def take(self) -> int | None:
        """How many items of this call to leave unprocessed (-1: all), or None to forward it untouched."""
        with self.lock:
            self.batch_calls += 1
            if self.throttle_calls == 0:
                return None
            if self.throttle_calls > 0:
                self.throttle_calls -= 1
            self.throttled_calls += 1
            return -1 if self.keep_unprocessed is None else self.keep_unprocessed

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
