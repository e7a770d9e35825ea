"""Stand-in origins for failover tests: tiny stdlib HTTP servers answering `/health` like the functions hosts.

`StandInOrigin.stop()` closes the listening socket (connections are refused, as when the functions host is
stopped) and `start()` binds the same port again. `OriginController` is a stand-in for the supervisor:
`POST /stop/<name>` and `POST /start/<name>` on its own port, so a drill running in another process can
inject an outage into origins living in the test process.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from multicloud_ctl.local.processes import free_port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        origin = self.server.origin
        if origin.delay:
            time.sleep(origin.delay)
        if self.path.startswith("/slow"):  # held in flight until the test releases it
            origin.release.wait(30)
        origin.hits += 1
        status, body = (
            (200, {"status": "ok", "cloud": origin.cloud})
            if origin.healthy
            else (503, {"status": "down", "cloud": origin.cloud})
        )
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class StandInOrigin:
    """One origin on 127.0.0.1:<free port>; `healthy=False` answers 503, `stop()` refuses connections."""

    def __init__(self, cloud: str, *, delay: float = 0.0) -> None:
        self.cloud = cloud
        self.delay = delay
        self.healthy = True
        self.hits = 0
        self.release = threading.Event()  # `/slow` requests wait for it
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self._server is not None:
            return
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        server.daemon_threads = True
        server.origin = self  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None


class _ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        _, action, name = ([*self.path.split("/"), "", ""])[:3]
        origin = self.server.origins.get(name)
        if origin is None or action not in ("stop", "start"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        getattr(origin, action)()
        self.server.calls.append(f"{action}:{name}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class OriginController:
    """`POST /stop/<cloud>` / `POST /start/<cloud>` for the stand-in origins (the supervisor's stand-in)."""

    def __init__(self, origins: dict[str, StandInOrigin]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), _ControlHandler)
        self.server.daemon_threads = True
        self.server.origins = origins  # type: ignore[attr-defined]
        self.server.calls = []  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def calls(self) -> list[str]:
        return self.server.calls  # type: ignore[attr-defined, no-any-return]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
