"""One HTTP probe of one endpoint, turned into an `Observation` for the conditions.

stdlib `http.client` (no SDK, cheap to import), one connection per probe, a hard timeout for connect and
read, and the peer certificate's expiry when the URL is https. Only the response time is measured here;
the verdict comes from the conditions.
"""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.operations.health.conditions import Observation, parse_body

MAX_BODY = 1 << 20


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
        conn = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl_context or ssl.create_default_context()
        )
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
        elapsed_ms = (time.monotonic() - started) * 1000
        text, data = parse_body(raw, resp.getheader("content-type") or "")
        return Observation(
            status=resp.status,
            response_time_ms=round(elapsed_ms, 1),
            body=text,
            json_body=data,
            connected=True,
            certificate_expiration_s=cert_left,
            ip=ip,
        ), None
    finally:
        conn.close()
