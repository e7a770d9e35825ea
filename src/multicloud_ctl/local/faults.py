"""Fault injection for the sandbox's fake cloud APIs (`local/arm`, `local/edge`).

Tests of retry and error handling need a server that fails on demand, the way a cloud does: the next N
requests whose path matches a pattern answer 500, 503 or 429 (with `Retry-After`). Every fake server
exposes the same admin endpoint:

    POST   /_admin/faults   {"path": "regex", "status": 429, "count": 2, "method": "GET", "retry_after": 0}
    GET    /_admin/faults   -> the rules still armed
    DELETE /_admin/faults   -> clear all rules

`arm_fault(base_url, ...)` is the client side of that endpoint, for other helpers' tests.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from dataclasses import asdict, dataclass, field


@dataclass
class FaultRule:
    """Answer `status` to the next `count` requests matching `path` (regex, searched) and `method`."""

    path: str
    status: int = 500
    count: int = 1
    method: str | None = None
    retry_after: float | None = None
    message: str = "injected fault"
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None


@dataclass
class FaultInjector:
    """Thread-safe list of armed fault rules; `take()` consumes one matching shot."""

    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, rule: FaultRule) -> None:
        re.compile(rule.path)  # reject a bad pattern at arm time, not at the first request
        if rule.count < 1 or not 400 <= rule.status <= 599:
            raise ValueError("a fault needs count >= 1 and a 4xx/5xx status")
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request (its count decremented), or None."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.count -= 1
                    rule.hits += 1
                    if rule.count <= 0:
                        self.rules.remove(rule)
                    return rule
        return None

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(r) for r in self.rules]

    def arm_from_json(self, body: dict[str, object]) -> FaultRule:
        """Arm a rule from the admin endpoint's JSON body (unknown keys refused)."""
        allowed = {"path", "status", "count", "method", "retry_after", "message"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        rule = FaultRule(**body)  # type: ignore[arg-type]
        self.arm(rule)
        return rule


def arm_fault(
    base_url: str,
    path: str,
    *,
    status: int = 500,
    count: int = 1,
    method: str | None = None,
    retry_after: float | None = None,
) -> None:
    """Arm a fault on a running fake server (`base_url` = scheme://host:port, loopback only)."""
    body = {"path": path, "status": status, "count": count, "method": method, "retry_after": retry_after}
    req = urllib.request.Request(
        f"{base_url.rstrip('/')}/_admin/faults",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=5).close()


def clear_faults(base_url: str) -> None:
    """Disarm every fault on a running fake server."""
    req = urllib.request.Request(f"{base_url.rstrip('/')}/_admin/faults", method="DELETE")
    urllib.request.urlopen(req, timeout=5).close()
