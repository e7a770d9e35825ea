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
