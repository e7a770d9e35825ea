"""The loopback-only http exception of the Azure auth policy, through a real azure-core pipeline.

The transport is a recording stand-in at the SDK's documented transport seam (no network, nothing patched).
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import Pipeline
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from multicloud_ctl.providers.azure.credential import (
    LoopbackAuthenticationPolicy,
    StaticTokenCredential,
    is_loopback,
)


class RecordingTransport(HttpTransport):  # type: ignore[misc]
    """Answers 200 to everything and remembers what it was sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        import requests
        from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse

        self.sent.append(request)
        raw = requests.Response()
        raw.status_code = 200
        raw._content = b"{}"
        return RequestsTransportResponse(request, raw)

    def open(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> RecordingTransport:
        return self

    def __exit__(self, *args: Any) -> None: ...


def run(url: str, **options: Any) -> RecordingTransport:
    transport = RecordingTransport()
    policy = LoopbackAuthenticationPolicy(StaticTokenCredential("tok-123"), "https://management.azure.com/.default")
    with Pipeline(transport, policies=[policy]) as pipeline:
        pipeline.run(HttpRequest("GET", url), **options)
    return transport


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:5100/subscriptions", "http://localhost:5100/x", "http://[::1]:5100/x"]
)
def test_plain_http_is_allowed_to_loopback_and_carries_the_token(url: str) -> None:
    transport = run(url)
    assert len(transport.sent) == 1
    assert transport.sent[0].headers["Authorization"] == "Bearer tok-123"


@pytest.mark.parametrize(
    "url",
    [
        "http://management.azure.com/subscriptions",
        "http://10.0.0.5/x",
        "http://127.0.0.1.evil.example/x",
        "http://localhost.evil.example/x",
    ],
)
def test_plain_http_to_any_other_host_is_refused(url: str) -> None:
    with pytest.raises(ServiceRequestError, match="non-TLS"):
        run(url)


def test_a_caller_cannot_switch_https_enforcement_off_for_a_remote_host() -> None:
    with pytest.raises(ServiceRequestError):
        run("http://management.azure.com/subscriptions", enforce_https=False)


def test_https_to_a_remote_host_carries_the_token() -> None:
    transport = run("https://management.azure.com/subscriptions")
    assert transport.sent[0].headers["Authorization"] == "Bearer tok-123"


def test_is_loopback() -> None:
    assert is_loopback("http://127.0.0.1:1/") and is_loopback("http://LOCALHOST/") and is_loopback("http://[::1]/")
    assert not is_loopback("http://127.0.0.2/") and not is_loopback("https://example.com/")
