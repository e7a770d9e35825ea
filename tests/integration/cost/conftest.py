"""Fixtures for the cost tests: the sandbox Cost Management handler served over real HTTP on 127.0.0.1.

The handler (`local/arm/costmanagement.py`) is served by a small threaded HTTP server here, so the real
azure-mgmt-costmanagement SDK talks to it over the wire exactly as it would to the sandbox ARM server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from multicloud_ctl.local.arm.costmanagement import CostStore, handle
from multicloud_ctl.local.processes import free_port


@dataclass
class ArmCost:
    """A running Cost Management endpoint: its URL and its store (for faults and records)."""

    url: str
    store: CostStore
    requests: list[tuple[str, str]]


def _handler_class(store: CostStore, log: list[tuple[str, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            log.append((self.command, self.path))
            status, headers, payload = handle(store, self.command, path, query, body)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture
def arm_cost() -> Iterator[ArmCost]:
    """A fresh Cost Management store served on a free loopback port for one test."""
    port = free_port()
    store = CostStore(base_url=f"http://127.0.0.1:{port}")
    log: list[tuple[str, str]] = []
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(store, log))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ArmCost(f"http://127.0.0.1:{port}", store, log)
    server.shutdown()
    server.server_close()


@pytest.fixture
def cost_env(local_env: Any, arm_cost: ArmCost) -> Any:
    """The local environment with its ARM endpoint pointing at the test Cost Management server."""
    return local_env.model_copy(
        update={"azure": local_env.azure.model_copy(update={"arm_endpoint": arm_cost.url})}
    )
