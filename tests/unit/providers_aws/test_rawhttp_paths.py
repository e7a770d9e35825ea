"""Presigned S3 reads send the key's path as it is: urllib3's URL parser removes dot segments."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from multicloud_ctl.providers.aws.rawhttp import pool, request_as_given


@pytest.fixture
def seen() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", paths
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/bkt/..?X-Amz-Signature=s", "/bkt/a/../b?x=1", "/bkt/a/./b", "/bkt/plain.txt"])
def test_the_path_goes_out_as_presigned(seen: tuple[str, list[str]], path: str) -> None:
    base, paths = seen
    assert request_as_given("GET", base + path, preload_content=True).status == 200
    assert paths == [path]


def test_the_pool_managers_own_request_would_have_changed_it(seen: tuple[str, list[str]]) -> None:
    """Why `request_as_given` exists: if urllib3 stops normalizing, this fails and the helper can go."""
    base, paths = seen
    pool().request("GET", base + "/bkt/a/../b?x=1")
    assert paths == ["/bkt/b?x=1"]
