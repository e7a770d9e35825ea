"""The functions host's HTTP front: one threading server per cloud on 127.0.0.1.

AWS: each request becomes an API Gateway REST v1 proxy event for `aws_lambda.router.route` (one Lambda per
path prefix, as the API's resources map them). Azure: each request is a plain call of
`azure.api.handle_http`, as the Functions HTTP trigger hands it over. The host answers one path itself,
`GET /_admin/health` (identity + trigger statistics for `mcctl local status`), and
`POST /admin/functions/NAME` fires a non-HTTP function now, as the Functions host's admin API does.
Everything else goes to the handlers, `GET /health` included.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from multicloud_ctl.local.functions.events import proxy_event, proxy_response
from multicloud_ctl.local.functions.lambda_metrics import LambdaPlatform, function_for

log = logging.getLogger(__name__)
Answer = tuple[int, list[tuple[str, str]], bytes]


def aws_app(
    platform: Callable[[], LambdaPlatform] | None = None,
) -> Callable[[str, str, list[tuple[str, str]], bytes, str], Answer]:
    """The AWS side: HTTP -> proxy event -> the path's function (through its alias when deployed) -> HTTP.

    `platform` builds the alias routing + metrics on the first API call (its clients stay off the start-up path).
    """
    from multicloud_ctl.functions.aws_lambda.router import route

    built: list[LambdaPlatform] = []
    lock = threading.Lock()

    def call(method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str) -> Answer:
        event = proxy_event(method, target, headers, body, source_ip=client)
        function = function_for(event["path"])
        if platform is None or function is None:
            return proxy_response(route(event))
        with lock:
            if not built:
                built.append(platform())
        return proxy_response(built[0].invoke(function, event, route))

    return call


def lambda_platform() -> LambdaPlatform:
    """The alias routing + metrics of the host's functions, on the endpoint the functions' settings name."""
    from multicloud_ctl.engine.clock import default_clock
    from multicloud_ctl.functions.adapters.aws import client
    from multicloud_ctl.functions.config import FunctionConfig

    cfg = FunctionConfig.from_env()
    return LambdaPlatform(client("lambda", cfg), client("cloudwatch", cfg), default_clock())


def azure_app() -> Callable[[str, str, list[tuple[str, str]], bytes, str], Answer]:
    """The Azure side: HTTP -> handle_http(method, path, headers, query, body) -> HTTP."""
    from urllib.parse import parse_qsl, urlsplit

    from multicloud_ctl.functions.azure.api import handle_http

    def call(method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str) -> Answer:
        parts = urlsplit(target)
        status, out_headers, text = handle_http(
            method,
            parts.path or "/",
            dict(headers),
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            body,
        )
        return status, list(out_headers.items()), text.encode("utf-8")

    return call


EDGE_HEADERS = ("cf-ray", "cf-connecting-ip")  # set by the edge proxy on every request it forwards


class FunctionsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, port: int, cloud: str, app: Callable[..., Answer], admin: Callable[[str, str], tuple[int, Any]]
    ) -> None:
        super().__init__(("127.0.0.1", port), FunctionsHandler)
        self.cloud, self.app, self.admin = cloud, app, admin
        self.brownout = 0.0  # share of requests answered 503 (a drill's `--inject brownout:30%`)
        self.brownout_rng = random.Random()


class FunctionsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of API Gateway / Functions
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them
    server: FunctionsServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        admin = path.startswith(("/_admin/", "/admin/"))
        if admin and any(h in self.headers for h in EDGE_HEADERS):
            # The admin paths stand for the clouds' control planes (a Lambda invoked by name, Functions' admin
            # API), never for the public API: a request the edge forwarded (it sets cf-ray / cf-connecting-ip)
            # is answered as API Gateway answers an unknown route. Only the operator's loopback reaches them.
            self._send(404 if self.server.cloud == "azure" else 403, [("Content-Type", "application/json")],
                       b'{"message": "Missing Authentication Token"}' if self.server.cloud == "aws"
                       else b'{"error": "not found"}')  # fmt: skip
            return
        if path == "/_admin/brownout" and self.command == "POST":
            try:
                share = float(json.loads(body or b"{}").get("share", 0.0))
            except (ValueError, TypeError, AttributeError, RecursionError):
                share = -1.0
            if not 0.0 <= share <= 1.0:
                self._send(400, [("Content-Type", "application/json")], b'{"error": "share must be 0..1"}')
                return
            self.server.brownout = share
            self._send(200, [("Content-Type", "application/json")], json.dumps({"brownout": share}).encode())
            return
        if path == "/_admin/health" or (path.startswith("/admin/functions/") and self.command == "POST"):
            status, data = self.server.admin(self.command, path)
            self._send(status, [("Content-Type", "application/json")], json.dumps(data).encode())
            return
        if self.server.brownout and self.server.brownout_rng.random() < self.server.brownout:
            # what API Gateway and Functions answer when the backend is overloaded
            self._send(503, [("Content-Type", "application/json")], b'{"message": "Service Unavailable"}')
            return
        try:
            status, headers, out = self.server.app(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
        except Exception:  # a function error is a 502 on API Gateway and a 500 on Functions
            log.exception("handler crashed on %s %s", self.command, path)
            status = 502 if self.server.cloud == "aws" else 500
            headers, out = [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
        self._send(status, headers, out)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def serve_in_thread(server: FunctionsServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        daemon=True,
        name=f"functions-{server.cloud}-http",
    )
    thread.start()
    return thread
