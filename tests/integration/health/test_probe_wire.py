"""The two probes (`probe` on http.client, `aprobe` on asyncio + h11) see the same thing on the wire.

A raw TCP server answers with canned bytes, so each HTTP framing a real endpoint may use is exercised as
bytes (RFC 9112: Content-Length, chunked, a body delimited by the connection's close, HEAD, an interim 100),
and a TLS server with a certificate made here checks `[CERTIFICATE_EXPIRATION]` on both paths.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.operations.health.conditions import Observation
from multicloud_ctl.operations.health.probe import aprobe, probe

pytestmark = pytest.mark.integration

JSON = b'{"status": "ok"}'
ANSWERS: dict[str, bytes] = {
    "length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n" + JSON,
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'6\r\n{"stat\r\na\r\nus": "ok"}\r\n0\r\n\r\n',
    "close": b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ndown for a bit",
    "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 16\r\n\r\n" + JSON,
    "http10": b"HTTP/1.0 200 OK\r\n\r\n" + JSON,
    "garbage": b"SMTP ready\r\n\r\n",
    "empty": b"",
}


class _Canned(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: Any = self.server
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        server.heads.append(head)
        path = head.split(b" ", 2)[1].decode()
        kind = path.strip("/").split("?")[0]
        if kind == "hang":
            server.release.wait(10)
            return
        answer = ANSWERS[kind]
        if head.startswith(b"HEAD "):
            answer = answer.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        self.request.sendall(answer)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(context: ssl.SSLContext | None = None) -> Iterator[Any]:
    server = _Server(("127.0.0.1", 0), _Canned)
    server.heads = []  # type: ignore[attr-defined]
    server.release = threading.Event()  # type: ignore[attr-defined]
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def canned() -> Iterator[Any]:
    yield from _serve()


def both(url: str, **kwargs: Any) -> tuple[tuple[Observation, str | None], tuple[Observation, str | None]]:
    return probe(url, **kwargs), asyncio.run(aprobe(url, **kwargs))


def same(a: Observation, b: Observation) -> dict[str, Any]:
    """The observation's fields apart from the measured time, which differs run to run."""
    fields = ("status", "body", "json_body", "connected", "ip")
    left, right = ({f: getattr(o, f) for f in fields} for o in (a, b))
    assert left == right
    return left


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("length", 200, {"status": "ok"}),
        ("chunked", 200, {"status": "ok"}),
        ("close", 503, None),
        ("continue", 201, {"status": "ok"}),
        ("http10", 200, {"status": "ok"}),
    ],
)
def test_each_framing_gives_the_same_observation(canned: Any, kind: str, status: int, body: Any) -> None:
    (sync_obs, sync_err), (async_obs, async_err) = both(f"http://127.0.0.1:{canned.server_address[1]}/{kind}")
    assert sync_err is None and async_err is None
    seen = same(sync_obs, async_obs)
    assert seen["status"] == status
    if body is not None:
        assert seen["json_body"] == body
    else:
        assert seen["body"] == "down for a bit"
    assert async_obs.response_time_ms is not None and async_obs.response_time_ms >= 0


def test_head_has_no_body_and_the_request_carries_what_http_client_sends(canned: Any) -> None:
    port = canned.server_address[1]
    (s, _), (a, _) = both(f"http://127.0.0.1:{port}/length?x=1", method="HEAD", headers={"X-Probe": "mcctl"})
    assert same(s, a)["status"] == 200 and a.body == ""
    sync_head, async_head = (h.decode().lower() for h in canned.heads)
    for head in (sync_head, async_head):
        assert head.startswith("head /length?x=1 http/1.1\r\n")
        assert f"host: 127.0.0.1:{port}\r\n" in head
        assert "accept-encoding: identity\r\n" in head and "x-probe: mcctl\r\n" in head


@pytest.mark.parametrize("kind", ["garbage", "empty"])
def test_an_answer_that_is_not_http_is_no_answer_on_both_paths(canned: Any, kind: str) -> None:
    (s, s_err), (a, a_err) = both(f"http://127.0.0.1:{canned.server_address[1]}/{kind}")
    assert s_err is not None and s_err.startswith("no answer: ")
    assert a_err is not None and a_err.startswith("no answer: ")
    assert s.connected and a.connected and s.status is None and a.status is None


def test_a_silent_endpoint_times_out_and_a_closed_port_is_a_connect_failure(canned: Any) -> None:
    (s, s_err), (a, a_err) = both(f"http://127.0.0.1:{canned.server_address[1]}/hang", timeout=1.0)
    assert s_err == a_err == "no answer: timed out"
    assert s.connected and a.connected
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # bound, not listening: connections are refused
        (s, s_err), (a, a_err) = both(f"http://127.0.0.1:{closed}/", timeout=1)
    assert s_err is not None and s_err.startswith("connect failed: ")
    assert a_err is not None and a_err.startswith("connect failed: ")
    assert not s.connected and not a.connected


def _certificate(tmp: Path, days: int) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https_reads_the_certificate_expiry_on_both_paths_and_refuses_an_untrusted_one(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, days=10)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server = _serve(server_ctx)
    tls = next(server)
    try:
        url = f"https://localhost:{tls.server_address[1]}/length"
        trusting = ssl.create_default_context(cafile=str(cert))
        (s, s_err), (a, a_err) = both(url, ssl_context=trusting)
        assert s_err is None and a_err is None
        assert same(s, a)["json_body"] == {"status": "ok"}
        for obs in (s, a):
            assert obs.certificate_expiration_s is not None
            assert 9 * 86400 < obs.certificate_expiration_s <= 10 * 86400
        (s, s_err), (a, a_err) = both(url, ssl_context=ssl.create_default_context())  # not trusted
        assert s_err is not None and "CERTIFICATE_VERIFY_FAILED" in s_err
        assert a_err is not None and "CERTIFICATE_VERIFY_FAILED" in a_err
        assert not s.connected and not a.connected
    finally:
        next(server, None)
