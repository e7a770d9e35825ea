"""Verification through the edge: request until the answers come from the target pool's origins.

The first answer carrying a target origin in the origin header (`cf-origin` by default) is the moment the
target served: its wall-clock time is what the RTO is measured to. `consecutive` target answers in a row
are needed to pass, so one lucky request during a flap does not count; the deadline bounds the wait.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.errors import OperationFailed


def fetch(url: str, *, host: str | None, header: str, timeout_s: float) -> tuple[int | None, str | None, str]:
    """One GET: (status, origin header value, error text)."""
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", target, headers={"Host": host} if host else {})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader(header), ""
    except (OSError, http.client.HTTPException) as exc:
        return None, None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def served_by(origin: str | None, expect: set[str]) -> bool:
    return origin is not None and origin in expect


def verify_serving(
    *,
    url: str,
    host: str | None,
    header: str,
    expect: set[str],
    deadline_s: float,
    interval_s: float,
    consecutive: int,
    timeout_s: float,
    now: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Poll `url` until `consecutive` 2xx answers name an origin in `expect`; raise past the deadline."""
    started = time.monotonic()
    first_at: float | None = None
    streak = attempts = 0
    last: dict[str, Any] = {}
    while True:
        attempts += 1
        status, origin, error = fetch(url, host=host, header=header, timeout_s=timeout_s)
        last = {"status": status, "origin": origin, "error": error}
        if status is not None and 200 <= status < 300 and served_by(origin, expect):
            if first_at is None:
                first_at = now() if now is not None else default_clock().timestamp()
            streak += 1
            if streak >= consecutive:
                return {
                    "verified": True,
                    "first_served_at": first_at,
                    "attempts": attempts,
                    "waited_s": round(time.monotonic() - started, 3),
                    "origin": origin,
                }
        else:
            streak = 0
            first_at = None
        if time.monotonic() - started >= deadline_s:
            raise OperationFailed(
                f"the target did not serve through the edge within {deadline_s:g}s "
                f"({attempts} requests; last: status {last['status']}, {header}: {last['origin']}"
                f"{', ' + error if error else ''})",
                hint="the load balancer was rolled back to its previous pools",
            )
        time.sleep(interval_s)
