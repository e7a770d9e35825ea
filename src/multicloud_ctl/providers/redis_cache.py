"""A cloud's Redis cache (ElastiCache, Azure Cache for Redis; the machine's Redis on the sandbox), for the calls
mcctl makes itself: pipelined `SET key value EX ttl` in batches (the failover's cache warm-up).

The URL carries the AUTH token (`rediss://:TOKEN@host:6380/0`), so it comes from a secret reference and is
never printed: errors name the host and port only. A pipeline is not a transaction (`transaction=False`): one
round trip per batch, and a batch the server answers with an error fails the whole call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from multicloud_ctl.errors import EndpointUnreachable, ProviderError


def _where(url: str) -> str:
    """`host:port/db` of a Redis URL, without its credentials."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


@dataclass
class RedisCache:
    url: str
    socket_timeout_s: float = 2.0

    def __post_init__(self) -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(
            self.url, socket_timeout=self.socket_timeout_s, socket_connect_timeout=self.socket_timeout_s
        )

    @property
    def where(self) -> str:
        return _where(self.url)

    def set_many(self, items: Iterable[tuple[str, str]], *, ttl_s: int, batch_size: int) -> int:
        """SET each (key, value) with EX `ttl_s`, `batch_size` per pipelined round trip; the count written."""
        import redis

        written = 0
        batch: list[tuple[str, str]] = []

        def flush() -> int:
            pipe = self._redis.pipeline(transaction=False)
            for key, value in batch:
                pipe.set(key, value, ex=ttl_s)
            answers = pipe.execute(raise_on_error=True)
            return sum(1 for a in answers if a)

        try:
            for item in items:
                batch.append(item)
                if len(batch) >= batch_size:
                    written += flush()
                    batch.clear()
            if batch:
                written += flush()
        except redis.ConnectionError as exc:
            raise EndpointUnreachable(
                f"redis at {self.where}: {type(exc).__name__} after {written} keys", provider="redis"
            ) from None
        except redis.RedisError as exc:
            raise ProviderError(
                f"redis at {self.where}: {type(exc).__name__} after {written} keys", provider="redis"
            ) from None
        return written

    def close(self) -> None:
        self._redis.close()
