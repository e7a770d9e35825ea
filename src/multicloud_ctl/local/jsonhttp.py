"""A small JSON-over-HTTP server base shared by the sandbox's fake cloud APIs (`local/arm`, `local/edge`).

stdlib only (`http.server.ThreadingHTTPServer`), bound to 127.0.0.1, HTTP/1.1 with keep-alive so the real
SDKs (requests, httpx) reuse connections as they do against the cloud. A subclass implements
`route(request) -> Response`; this base adds what every fake needs: the admin endpoints
(`/_admin/health`, `/_admin/faults`, `/_admin/reset`, `/_admin/conformance`), fault injection, a request id
header on every answer, quiet logging, and the conformance record.

Conformance: before routing, `check(request)` validates the request against the published definition of
the API the fake stands for (Cloudflare's OpenAPI document, the Azure REST API specs) and leaves the result
on `request.checked`; the subclass's `route` refuses a violating request where the real service would (after
authentication, say). Every request is then recorded in the server's `ConformanceLog`: method, path, the
operation or resource type it was checked against, the violations and the status answered. Tests read it
in-process (`server.conformance`) or over HTTP (`GET /_admin/conformance`); with `MCCTL_CONFORMANCE_LOG=<dir>`
in the environment each fake also appends it to `<dir>/<service>.jsonl` (a whole sandbox run, every process).
Bodies are never recorded: they can hold secrets.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from multicloud_ctl.local.faults import FaultInjector, FaultRule

LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    """One parsed request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None
    raw_body: bytes = b""
    checked: Checked | None = None  # set by the handler's `check` before `route` runs


@dataclass(frozen=True)
class Checked:
    """What validating one request against the published definition found.

    `operation` names what it was checked against (a Cloudflare operationId, an ARM resource type and
    api-version); `violations` is empty when the request conforms.
    """

    operation: str
    violations: tuple[str, ...] = ()


CONFORMANCE_ENV = "MCCTL_CONFORMANCE_LOG"


class ConformanceLog:
    """Every request a fake received and what its conformance check found (see the module docstring)."""

    KEPT = 20_000

    def __init__(self, service: str, directory: str | None = None) -> None:
        self.service = service
        directory = directory if directory is not None else os.environ.get(CONFORMANCE_ENV)
        self.file = Path(directory) / f"{service}.jsonl" if directory else None
        self._lock = threading.Lock()
        # the newest KEPT records in memory (a sandbox fake may run for days); `total` never goes back
        self._entries: deque[tuple[int, dict[str, Any]]] = deque(maxlen=self.KEPT)
        self.total = 0

    def record(self, request: Request, status: int) -> None:
        checked = request.checked
        entry = {
            "service": self.service,
            "method": request.method,
            "path": request.path,
            "operation": checked.operation if checked else None,
            "violations": list(checked.violations) if checked else [],
            "status": status,
        }
        with self._lock:
            self._entries.append((self.total, entry))
            self.total += 1
            if self.file is not None:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                with self.file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry) + "\n")

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """The records kept in memory, from the `since`-th request on (`total` before a test is its mark)."""
        with self._lock:
            return [entry for index, entry in self._entries if index >= since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class Response:
    """What a route answers: a status, a JSON-able body (None for no content) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class JsonServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the fake's name, its fault injector and a reset hook."""

    daemon_threads = True
    allow_reuse_address = True
    _live: weakref.WeakSet[JsonServer] = weakref.WeakSet()  # the fakes of this process (tests read their records)

    def __init__(
        self,
        port: int,
        handler: type[JsonHandler],
        *,
        service: str,
        reset: Callable[[], None] | None = None,
        verbose: bool = False,
    ) -> None:
        super().__init__((LOOPBACK, port), handler)
        self.service = service
        self.faults = FaultInjector()
        self.conformance = ConformanceLog(service)
        JsonServer._live.add(self)
        self.reset_state = reset or (lambda: None)
        self.verbose = verbose

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    @classmethod
    def live(cls) -> list[JsonServer]:
        """Every fake server this process has started and not yet dropped."""
        return list(cls._live)


class JsonHandler(BaseHTTPRequestHandler):
    """Dispatches to `route`; subclasses set `request_id_header` and `error_response`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid the 40 ms ACK stall
    server: JsonServer
    request_id_header = "x-request-id"

    # ---- subclass interface --------------------------------------------------------------------
    def route(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def error_response(self, status: int, code: str, message: str) -> Response:
        return Response(status, {"error": {"code": code, "message": message}})

    def check(self, request: Request) -> Checked | None:
        """Validate `request` against the published definition; None when no definition covers it."""
        return None

    def new_request_id(self) -> str:
        return str(uuid.uuid4())

    # ---- plumbing ------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.server.service} {self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _read(self) -> tuple[bytes, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return raw, None
        try:
            return raw, json.loads(raw)
        except ValueError:
            return raw, None

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw, body = self._read()
        req = Request(method, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body, raw)
        admin = parts.path.startswith("/_admin/")
        try:
            if admin:
                resp = self._admin(req)
            else:
                req.checked = self.check(req)
                rule = self.server.faults.take(method, parts.path)
                resp = self._fault(rule) if rule else self.route(req)
        except Exception as exc:  # a bug in the fake must answer 500, not hang the client
            resp = self.error_response(500, "InternalServerError", f"{type(exc).__name__}: {exc}")
        if not admin:
            self.server.conformance.record(req, resp.status)
        self._send(method, resp)

    def _fault(self, rule: FaultRule) -> Response:
        code = "TooManyRequests" if rule.status == 429 else "InternalServerError"
        resp = self.error_response(rule.status, code, rule.message)
        if rule.retry_after is not None:
            resp.headers["Retry-After"] = f"{rule.retry_after:g}"
        return resp

    def _admin(self, req: Request) -> Response:
        if req.path == "/_admin/health":
            return Response(200, {"service": self.server.service, "status": "ok"})
        if req.path == "/_admin/reset" and req.method == "POST":
            self.server.reset_state()
            self.server.faults.clear()
            return Response(200, {"reset": True})
        if req.path == "/_admin/conformance":
            if req.method == "DELETE":
                self.server.conformance.clear()
            return Response(200, {"service": self.server.service, "requests": self.server.conformance.entries()})
        if req.path == "/_admin/faults":
            if req.method == "GET":
                return Response(200, {"faults": self.server.faults.describe()})
            if req.method == "DELETE":
                self.server.faults.clear()
                return Response(200, {"faults": []})
            if req.method == "POST":
                try:
                    rule = self.server.faults.arm_from_json(dict(req.body or {}))
                except (TypeError, ValueError) as exc:
                    return Response(400, {"error": {"code": "InvalidFault", "message": str(exc)}})
                return Response(201, {"armed": rule.path, "count": rule.count})
        return Response(404, {"error": {"code": "NotFound", "message": f"no admin endpoint {req.path}"}})

    def _send(self, method: str, resp: Response) -> None:
        data = b"" if resp.body is None else json.dumps(resp.body).encode()
        self.send_response(resp.status)
        headers = {self.request_id_header: self.new_request_id(), **resp.headers}
        if data:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and method != "HEAD":
            self.wfile.write(data)


@dataclass
class ServerHandle:
    """A fake server running in a background thread of this process (tests, `python -m`)."""

    server: JsonServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_in_thread(server: JsonServer) -> ServerHandle:
    """Serve `server` on a daemon thread and return a handle that stops it."""
    thread = threading.Thread(target=server.serve_forever, name=f"{server.service}-http", daemon=True)
    thread.start()
    return ServerHandle(server, thread)
