"""Caches for hot catalog reads and sessions: Redis when configured and reachable, in-process otherwise.

A Redis outage never fails a request: the Redis cache falls back to its in-process twin and retries Redis
after a short back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class InProcessCache:
    """A small TTL cache for one process (thread-safe, bounded)."""

    def __init__(self, *, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self.max_items, self.clock = max_items, clock

    def get(self, key: str) -> str | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            if hit[0] <= self.clock():
                del self._items[key]
                return None
            return hit[1]

    def set(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (self.clock() + ttl, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class RedisCache:
    """Redis (ElastiCache / Azure Cache for Redis) with an in-process fallback while Redis is unreachable."""

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        prefix: str = "mcctl:",
        fallback: InProcessCache | None = None,
        retry_after: float = 5.0,
    ) -> None:
        import redis

        # `rediss://` turns TLS on (ElastiCache in transit, Azure's port 6380); the password is the AUTH token
        self.redis: Any = redis.Redis.from_url(
            url, password=password, socket_timeout=0.5, socket_connect_timeout=0.5, decode_responses=True
        )
        self.prefix = prefix
        self.fallback = fallback or InProcessCache()
        self.retry_after = retry_after
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _try(self, fn: Callable[[], Any]) -> tuple[bool, Any]:
        import redis

        if self.degraded:
            return False, None
        try:
            return True, fn()
        except redis.RedisError as exc:
            log.warning("redis unavailable, using the in-process cache: %s", type(exc).__name__)
            self._down_until = time.monotonic() + self.retry_after
            return False, None

    def get(self, key: str) -> str | None:
        ok, value = self._try(lambda: self.redis.get(self.prefix + key))
        return value if ok else self.fallback.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        ok, _ = self._try(lambda: self.redis.set(self.prefix + key, value, ex=max(1, ttl)))
        if not ok:
            self.fallback.set(key, value, ttl)

    def delete(self, key: str) -> None:
        self.fallback.delete(key)
        self._try(lambda: self.redis.delete(self.prefix + key))


def make_cache(redis_url: str, password: str | None = None) -> InProcessCache | RedisCache:
    return RedisCache(redis_url, password=password) if redis_url else InProcessCache()
