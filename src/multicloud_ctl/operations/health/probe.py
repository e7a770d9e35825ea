"""One HTTP probe of one endpoint, turned into an `Observation` for the conditions.

Two ways to send it, with the same observation: `probe` (stdlib `http.client`, for a caller that checks one
endpoint, such as failover preflight) and `aprobe` (asyncio streams with the `h11` HTTP/1.1 parser, for a health
round that checks many at once on one event loop). One connection per probe, a hard timeout, and the peer
certificate's expiry when the URL is https. Only the response time is measured here; the verdict comes from the
conditions.

Why two: a round of 2,000 endpoints as 2,000 threads spent its time handing the GIL around (a round took 3.75x
its slowest check, `bench/health.py`); on one event loop each probe costs its parsing and nothing else.
"""

from __future__ import annotations

import functools
import http.client
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.operations.health.conditions import Observation, parse_body

MAX_BODY = 1 << 20


@functools.cache
def _default_context() -> ssl.SSLContext:
    """One verifying client context for every probe (loading the CA store costs milliseconds: 2,000 https
    endpoints would have loaded it 2,000 times a round); an SSLContext may be shared across threads."""
    return ssl.create_default_context()


def _cert_seconds_left(sock: object, now: Callable[[], datetime]) -> float | None:
    getpeercert = getattr(sock, "getpeercert", None)
    if getpeercert is None:
        return None
    cert = getpeercert()
    if not cert or "notAfter" not in cert:
        return None
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), tz=UTC)
    return (expires - now()).total_seconds()


def probe(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    now: Callable[[], datetime] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[Observation, str | None]:
    """Probe `url`; returns the observation and an error text when no HTTP answer came back."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=ssl_context or _default_context())
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    started = time.monotonic()
    try:
        try:
            conn.connect()
        except (OSError, ssl.SSLError) as exc:
            return Observation(connected=False), f"connect failed: {exc}"
        cert_left = _cert_seconds_left(conn.sock, now or default_clock()) if parts.scheme == "https" else None
        ip = conn.sock.getpeername()[0] if conn.sock else None
        try:
            conn.request(method, target, headers=dict(headers or {}))
            resp = conn.getresponse()
            raw = resp.read(MAX_BODY)
        except (OSError, http.client.HTTPException) as exc:
            return Observation(connected=True, certificate_expiration_s=cert_left, ip=ip), f"no answer: {exc}"
        return _answered(resp.status, raw, resp.getheader("content-type") or "", started, cert_left, ip), None
    finally:
        conn.close()


def _answered(
    status: int, raw: bytes, content_type: str, started: float, cert_left: float | None, ip: str | None
) -> Observation:
    """What an endpoint that answered shows the conditions (both probes)."""
    text, data = parse_body(raw, content_type)
    return Observation(
        status=status,
        response_time_ms=round((time.monotonic() - started) * 1000, 1),
        body=text,
        json_body=data,
        connected=True,
        certificate_expiration_s=cert_left,
        ip=ip,
    )


def _request_head(parts: SplitResult, headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """What http.client sends: Host (with a non-default port) and `Accept-Encoding: identity`, then the caller's."""
    given = {k.lower() for k in (headers or {})}
    head: list[tuple[str, str]] = []
    if "host" not in given:
        default = 443 if parts.scheme == "https" else 80
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        head.append(("Host", host if parts.port in (None, default) else f"{host}:{parts.port}"))
    if "accept-encoding" not in given:
        head.append(("Accept-Encoding", "identity"))
    head.append(("Connection", "close"))
    head.extend((k, v) for k, v in (headers or {}).items() if k.lower() != "connection")
    return head


async def aprobe(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    now: Callable[[], datetime] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[Observation, str | None]:
    """`probe` on the running event loop: the same observation and error texts.

    `timeout` bounds the connect and, from there, the whole exchange (http.client bounds each socket
    operation; a round's check has one timeout in all, so the stricter reading is the one that fits)."""
    import asyncio

    import h11

    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    context = (ssl_context or _default_context()) if https else None
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=host if https else None
            )
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        return Observation(connected=False), f"connect failed: {_text(exc)}"
    cert_left = _cert_seconds_left(writer.get_extra_info("ssl_object"), now or default_clock()) if https else None
    peer = writer.get_extra_info("peername")
    ip = peer[0] if peer else None
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=64 * 1024)
    status: int | None = None
    content_type = ""
    body = bytearray()
    try:
        async with asyncio.timeout(max(0.0, started + timeout - time.monotonic())):
            writer.write(conn.send(h11.Request(method=method, target=target, headers=_request_head(parts, headers))))
            writer.write(conn.send(h11.EndOfMessage()))
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(await reader.read(65536))
                elif isinstance(event, h11.Response):
                    status = event.status_code
                    for name, value in event.headers:
                        if name == b"content-type":
                            content_type = value.decode("latin-1")
                elif isinstance(event, h11.Data):
                    body += event.data[: MAX_BODY - len(body)]
                    if len(body) >= MAX_BODY:
                        break
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    break
    except (OSError, ssl.SSLError, TimeoutError, h11.ProtocolError) as exc:
        return Observation(connected=True, certificate_expiration_s=cert_left, ip=ip), f"no answer: {_text(exc)}"
    finally:
        writer.close()
    if status is None:
        return Observation(connected=True, certificate_expiration_s=cert_left, ip=ip), "no answer: connection closed"
    return _answered(status, bytes(body), content_type, started, cert_left, ip), None


def _text(exc: BaseException) -> str:
    """An exception as http.client's paths word it (`timed out` for a timeout, which asyncio leaves empty)."""
    if isinstance(exc, TimeoutError) and not str(exc):
        return "timed out"
    return str(exc) or type(exc).__name__
