"""Background traffic through the edge during a drill: a steady request rate, every answer counted.

Each request records when it was sent, its status (None when the connection failed), which pool served
it and its latency. An error is a failed connection or a 5xx. The summary gives the error rate, the
requests per pool and the longest run of consecutive errors (how long users actually saw failures).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.operations.failover.verify import fetch


@dataclass
class Sample:
    at: float
    status: int | None
    pool: str | None
    latency_ms: float

    @property
    def error(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class TrafficGenerator:
    """`start()` sends `rate` requests per second to `url` from `workers` threads until `stop()`."""

    url: str
    host: str | None = None
    rate: float = 20.0
    workers: int = 2
    timeout: float = 2.0
    pool_header: str = "x-mcctl-pool"
    now: Callable[[], float] = field(default_factory=lambda: default_clock().timestamp)  # wall time of a sample
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> TrafficGenerator:
        period = self.workers / self.rate
        for i in range(self.workers):
            t = threading.Thread(
                target=self._run,
                args=(period, i * period / self.workers),
                name=f"drill-traffic-{i}",
                daemon=True,
            )
            t.start()
            self._threads.append(t)
        return self

    def _run(self, period: float, offset: float) -> None:
        next_at = time.monotonic() + offset
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            next_at += period
            sent = self.now()
            t0 = time.monotonic()
            status, pool, _ = fetch(self.url, host=self.host, header=self.pool_header, timeout_s=self.timeout)
            with self._lock:
                self.samples.append(Sample(sent, status, pool, (time.monotonic() - t0) * 1000))

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout + 1)
        return self.summary()

    def summary(self) -> dict[str, Any]:
        with self._lock:
            samples = sorted(self.samples, key=lambda s: s.at)
        errors = [s for s in samples if s.error]
        by_pool: dict[str, int] = {}
        for s in samples:
            if not s.error:
                by_pool[s.pool or "?"] = by_pool.get(s.pool or "?", 0) + 1
        longest, run_start = 0.0, None
        for s in samples:
            if s.error:
                run_start = s.at if run_start is None else run_start
                longest = max(longest, s.at - run_start)
            else:
                run_start = None
        total = len(samples)
        return {
            "requests": total,
            "errors": len(errors),
            "error_rate": round(len(errors) / total, 4) if total else 0.0,
            "served_by": by_pool,
            "longest_error_run_s": round(longest, 3),
            "first_error_at": errors[0].at if errors else None,
        }

    def first_success_from(self, pool: str, after: float) -> float | None:
        """When `pool` first answered (2xx-4xx) at or after `after`."""
        with self._lock:
            hits = [s.at for s in self.samples if s.at >= after and not s.error and s.pool == pool]
        return min(hits) if hits else None


def post_json(
    url: str, body: Any, *, host: str | None, headers: dict[str, str], pool_header: str, timeout_s: float
) -> tuple[int | None, Any, str | None]:
    """One POST of a JSON body: (status or None when the connection failed, parsed JSON body, pool header)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout_s)
    hdrs = {"content-type": "application/json", "accept": "application/json", **headers}
    if host:
        hdrs["Host"] = host
    try:
        conn.request("POST", parts.path or "/", body=json.dumps(body).encode(), headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed, resp.getheader(pool_header)
    except (OSError, http.client.HTTPException):
        return None, None, None
    finally:
        conn.close()


@dataclass
class OrderAttempt:
    """One order (one Idempotency-Key) as the generator saw it: acknowledged when a 2xx carried its id."""

    at: float
    key: str
    status: int | None
    order_id: str | None
    pool: str | None
    sends: int
    replayed: bool = False

    @property
    def acknowledged(self) -> bool:
        return self.order_id is not None


def retryable(status: int | None) -> bool:
    """An order whose outcome is unknown (no answer, a 5xx) or still in progress (409 on the same key) is sent
    again with the same Idempotency-Key; any other answer is final."""
    return status is None or status >= 500 or status == 409


@dataclass
class OrderStream:
    """`start()` POSTs orders to `url` at `rate` per second as one signed-in shopper until `stop()`.

    Every order gets its own `Idempotency-Key` (`<prefix>-<n>`); an order left without an answer is resent with
    the same key up to `retries` times, so the shop places it at most once. `acknowledged_ids()` is what the
    drill then looks for in SQL.
    """

    url: str
    token: str
    product_id: str
    email: str
    key_prefix: str
    host: str | None = None
    rate: float = 5.0
    workers: int = 2
    timeout: float = 5.0
    retries: int = 1
    pool_header: str = "x-mcctl-pool"
    now: Callable[[], float] = field(default_factory=lambda: default_clock().timestamp)
    attempts: list[OrderAttempt] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _next: int = 0

    def start(self) -> OrderStream:
        period = self.workers / self.rate
        for i in range(self.workers):
            t = threading.Thread(
                target=self._run, args=(period, i * period / self.workers), name=f"drill-orders-{i}", daemon=True
            )
            t.start()
            self._threads.append(t)
        return self

    def _key(self) -> str:
        with self._lock:
            self._next += 1
            return f"{self.key_prefix}-{self._next}"

    def place(self, key: str) -> OrderAttempt:
        """One order: sent, and resent with the same key while its outcome is unknown (up to `retries`)."""
        at = self.now()
        body = {"lines": [{"product_id": self.product_id, "quantity": 1}], "email": self.email}
        headers = {"authorization": f"Bearer {self.token}", "idempotency-key": key}
        status: int | None = None
        answer: Any = None
        pool = None
        sends = 0
        while sends <= self.retries:
            sends += 1
            status, answer, pool = post_json(
                self.url, body, host=self.host, headers=headers, pool_header=self.pool_header, timeout_s=self.timeout
            )
            if not retryable(status) or self._stop.is_set():
                break
        order_id = None
        if status is not None and 200 <= status < 300 and isinstance(answer, dict) and answer.get("order_id"):
            order_id = str(answer["order_id"])
        return OrderAttempt(at, key, status, order_id, pool, sends, replayed=status == 200)

    def _run(self, period: float, offset: float) -> None:
        next_at = time.monotonic() + offset
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            next_at = max(next_at + period, time.monotonic() - period)  # a slow answer does not cause a burst
            attempt = self.place(self._key())
            with self._lock:
                self.attempts.append(attempt)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=(self.timeout + 1) * (self.retries + 1))
        return self.summary()

    def acknowledged_ids(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(a.order_id for a in self.attempts if a.order_id is not None))

    def summary(self) -> dict[str, Any]:
        with self._lock:
            attempts = list(self.attempts)
        acked = [a for a in attempts if a.acknowledged]
        placed_on: dict[str, int] = {}
        for a in acked:
            placed_on[a.pool or "?"] = placed_on.get(a.pool or "?", 0) + 1
        refused: dict[str, int] = {}
        for a in attempts:
            if not a.acknowledged:
                label = "no answer" if a.status is None else str(a.status)
                refused[label] = refused.get(label, 0) + 1
        return {
            "sent": len(attempts),
            "acknowledged": len(acked),
            "unacknowledged": len(attempts) - len(acked),
            "resent": sum(1 for a in attempts if a.sends > 1),
            "replayed": sum(1 for a in acked if a.replayed),
            "placed_on": placed_on,
            "unacknowledged_by_status": refused,
        }
