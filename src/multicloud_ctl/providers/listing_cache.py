"""Collections listed once per client (one client per run) and reused by the reads that follow.

Provision plans by reading every desired resource; reading each one by itself costs a call apiece (and a
few milliseconds of mcctl's CPU each), while one listing per collection (a Cloudflare collection, an Azure
resource group, the DynamoDB tables or SQS queues of a region) tells which exist, and a resource absent
from a fresh listing is known absent without another call.

    listed = cache.fetch(key, lambda: list_the_collection())

An entry is kept for `LISTING_TTL` seconds at most. Parallel readers wait for the one listing in flight
(`single_flight`). A write to a collection drops its entry (`invalidate`), and a listing that was in flight
during the write is not kept: each write moves the collection's generation. A change made by someone else
meanwhile is seen after the TTL, as any read is a picture of its moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ListingCache:
    """Listings by key (the collection's name), with single-flight fetches and write invalidation."""

    LISTING_TTL = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Any]] = {}
        self._generation: dict[str, int] = {}
        self._listing: dict[str, threading.Lock] = {}
        self.lists = 0  # collections listed (not served from the cache): what a run cost in list calls

    def single_flight(self, key: str) -> threading.Lock:
        """Held while `key` is listed: parallel readers (provision reads 6 resources at once) wait for the
        one listing instead of each listing the collection."""
        with self._lock:
            return self._listing.setdefault(key, threading.Lock())

    def get(self, key: str) -> tuple[Any | None, int]:
        """The cached listing (None when absent or older than the TTL) and the generation to `put` with."""
        with self._lock:
            entry = self._entries.get(key)
            generation = self._generation.get(key, 0)
            if entry is None or time.monotonic() - entry[0] > self.LISTING_TTL:
                return None, generation
            return entry[1], generation

    def put(self, key: str, items: Any, generation: int) -> None:
        with self._lock:
            self.lists += 1
            if self._generation.get(key, 0) == generation:  # no write since the listing started
                self._entries[key] = (time.monotonic(), items)

    def fetch(self, key: str, listing: Callable[[], T]) -> T:
        """The cached listing of `key`, or `listing()` (once, whoever else asks meanwhile) kept for the next."""
        with self.single_flight(key):
            cached, generation = self.get(key)
            if cached is not None:
                return cached  # type: ignore[no-any-return]
            listed = listing()
            self.put(key, listed, generation)
            return listed

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._generation[key] = self._generation.get(key, 0) + 1

    def invalidate_prefix(self, prefix: str) -> None:
        """Drop every key that starts with `prefix` (a service's listings in one region, say)."""
        with self._lock:
            for key in [k for k in (*self._entries, *self._generation) if k.startswith(prefix)]:
                self._entries.pop(key, None)
                self._generation[key] = self._generation.get(key, 0) + 1
