"""A forwarding proxy in front of moto that answers 500 to the next N requests of one AWS operation, or
forwards them and answers late (moto has no fault injection). Requests are forwarded byte for byte; injected
errors carry a request id."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from multicloud_ctl.local.processes import free_port


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.target = ""  # e.g. "DynamoDB_20120810.UpdateContinuousBackups"
        self.remaining = 0
        self.injected: list[str] = []
        self.stall_target, self.stall_remaining, self.stall_seconds = "", 0, 0.0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.take(self.headers.get("x-amz-target", "")):
                    rid = f"injected-{len(proxy.injected)}"
                    payload = b'{"__type":"InternalServerError","message":"injected fault"}'
                    self.send_response(500)
                    self.send_header("x-amzn-RequestId", rid)
                    self.send_header("content-type", "application/x-amz-json-1.0")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                req = urllib.request.Request(
                    proxy.upstream + self.path,
                    data=body,
                    method=self.command,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        status, headers, data = resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as err:
                    status, headers, data = err.code, err.headers, err.read()
                pause = proxy.take_stall(self.headers.get("x-amz-target", ""))
                if pause:  # moto applied it; the answer comes after the client has given up
                    time.sleep(pause)
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail(self, target: str, count: int) -> None:
        with self.lock:
            self.target, self.remaining = target, count

    def take(self, target: str) -> bool:
        with self.lock:
            if self.remaining > 0 and target == self.target:
                self.remaining -= 1
                self.injected.append(target)
                return True
            return False

    def stall(self, target: str, count: int, seconds: float) -> None:
        """Forward the next `count` requests of `target` (they are applied) but answer only after `seconds`."""
        with self.lock:
            self.stall_target, self.stall_remaining, self.stall_seconds = target, count, seconds

    def take_stall(self, target: str) -> float:
        with self.lock:
            if self.stall_remaining > 0 and target == self.stall_target:
                self.stall_remaining -= 1
                return self.stall_seconds
            return 0.0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
