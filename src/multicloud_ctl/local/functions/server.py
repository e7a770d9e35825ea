"""The functions host's HTTP front: one threading server per cloud on 127.0.0.1.

AWS: each request becomes an API Gateway REST v1 proxy event for the function that the provisioned REST API
integrates with its route (`apidef.py`: path, method, Cognito authorizer, integration target read from moto), or,
before anything is provisioned, for `aws_lambda.router.route` (one Lambda per path prefix). Azure: each request
is a plain call of `azure.api.handle_http`, as the Functions HTTP trigger hands it over. The host answers one
path itself, `GET /_admin/health` (identity + trigger statistics for `mcctl local status`), and
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
from typing import TYPE_CHECKING, Any

from multicloud_ctl.local.functions.events import proxy_event, proxy_response
from multicloud_ctl.local.functions.lambda_metrics import LambdaPlatform, function_for

if TYPE_CHECKING:
    from multicloud_ctl.local.functions.apidef import ApiRouter

log = logging.getLogger(__name__)
Answer = tuple[int, list[tuple[str, str]], bytes]


def aws_app(
    platform: Callable[[], LambdaPlatform] | None = None,
    router: Callable[[], ApiRouter | None] | None = None,
) -> Callable[[str, str, list[tuple[str, str]], bytes, str], Answer]:
    """The AWS side: HTTP -> proxy event -> the function the API's route integrates (through its alias when
    deployed) -> HTTP.

    `router` reads the provisioned REST API from moto (`apidef.py`): path, method, authorizer and integration target
    come from it. Without one (nothing provisioned yet) the path prefix picks the function, as before.
    `platform` builds the alias routing + metrics on the first API call (its clients stay off the start-up path).
    """
    from multicloud_ctl.functions.aws_lambda.router import route

    built: dict[str, Any] = {}
    lock = threading.Lock()

    def once(name: str, make: Callable[[], Any]) -> Any:
        with lock:
            if name not in built:
                built[name] = make()
            return built[name]

    def call(method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str) -> Answer:
        event = proxy_event(method, target, headers, body, source_ip=client)
        api = once("router", router) if router is not None else None
        definition = api.definition() if api is not None else None
        if definition is not None:
            return _through_api(
                api, definition, event, headers, lambda: once("platform", platform) if platform else None
            )
        function = function_for(event["path"])
        if platform is None or function is None:
            return proxy_response(route(event))
        return proxy_response(once("platform", platform).invoke(function, event, route))

    return call


def _json(status: int, body: Any) -> Answer:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


def _through_api(
    api: Any, definition: Any, event: dict[str, Any], headers: list[tuple[str, str]], platform: Callable[[], Any]
) -> Answer:
    """API Gateway's part: route, authorize, invoke the integrated function (see `apidef.py`)."""
    from multicloud_ctl.local.functions.apidef import INTERNAL, MISSING_TOKEN, UNAUTHORIZED, gateway_event
    from multicloud_ctl.local.functions.lambda_metrics import load_handler

    matched = definition.match(event["httpMethod"], event["path"])
    if matched is None:
        return _json(*MISSING_TOKEN)
    method, params = matched
    claims = api.authorize(method, dict(headers))
    if claims is None:
        return _json(*UNAUTHORIZED)
    target = method.target
    if target is None:
        return _json(*INTERNAL)
    function, qualifier = target
    try:  # what the function runs without a deployed alias: its own handler (not the all-routes router)
        own = load_handler(f"multicloud_ctl.functions.aws_lambda.{function.replace('-', '_')}.handler")
    except ImportError:  # no such function: Lambda's ResourceNotFoundException is API Gateway's 500
        return _json(*INTERNAL)
    event = gateway_event(event, definition, method, params, claims)
    lam = platform()
    if lam is None or qualifier != lam.alias:
        return proxy_response(own(event, None))
    return proxy_response(lam.invoke(function, event, lambda e: own(e, None)))


def api_router() -> ApiRouter | None:
    """The REST API the host routes by (`MCCTL_FN_REST_API` names it), on the functions' AWS endpoint."""
    import os

    from multicloud_ctl.functions.adapters.aws import client
    from multicloud_ctl.functions.config import FunctionConfig
    from multicloud_ctl.local.functions.apidef import ApiRouter

    name = os.environ.get("MCCTL_FN_REST_API", "")
    if not name:
        return None
    cfg = FunctionConfig.from_env()
    return ApiRouter(client("apigateway", cfg), name, cfg.region, str(cfg.aws_endpoint or ""))


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
