"""Fixtures for the service functions: a shop wired to moto (DynamoDB, S3, SQS, Cognito) and SQL, configured
only through MCCTL_FN_* variables like a deployed function, plus API Gateway event and JWT helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fn_support import (  # type: ignore[import-not-found]
    Shop,
    _JwksHandler,
    make_shop,
)


@pytest.fixture
def shop(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    """The AWS side: DynamoDB stores on moto, SQS bus on moto, SQLite for the Azure-side consumer tables."""
    return make_shop(aws, tmp_path, monkeypatch)


@pytest.fixture
def jwks_server() -> Iterator[Any]:
    """A tiny HTTP server on 127.0.0.1 serving `server.jwks` (settable) at any path; counts hits."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    server.jwks = {"keys": []}  # type: ignore[attr-defined]
    server.hits = 0  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
