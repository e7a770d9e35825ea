"""ARM's subscription write throttle: a token bucket, off unless armed (tests, `--throttle-writes`).

"Request limits and throttling" (Microsoft Learn, azure-resource-manager/management/request-limits-and-throttling):
since 2024 ARM throttles per subscription and region with a token bucket; writes have a bucket of 200 tokens
refilled at 10 per second. A request over the limit is answered 429 with `Retry-After` (seconds to wait), and
every write answer carries `x-ms-ratelimit-remaining-subscription-writes` (what is left). The fake applies the
same algorithm per subscription id on PUT/PATCH/POST/DELETE, with the bucket and refill rate configurable;
time comes from the process clock's monotonic seconds (`engine/clock.py`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from multicloud_ctl.engine.clock import Clock

REMAINING_WRITES = "x-ms-ratelimit-remaining-subscription-writes"
WRITES = frozenset({"PUT", "PATCH", "POST", "DELETE"})
ARM_WRITE_BUCKET = 200  # tokens (the documented subscription write bucket)
ARM_WRITE_REFILL = 10.0  # tokens per second


@dataclass
class WriteThrottle:
    """Token buckets of writes per subscription; `take` answers (allowed, remaining, retry_after_seconds)."""

    capacity: int = ARM_WRITE_BUCKET
    refill_per_s: float = ARM_WRITE_REFILL
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # sub -> (tokens, at)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, subscription: str) -> tuple[bool, int, int]:
        now = Clock.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(subscription.lower(), (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - at) * self.refill_per_s)
            if tokens >= 1.0:
                tokens -= 1.0
                self._buckets[subscription.lower()] = (tokens, now)
                return True, int(tokens), 0
            self._buckets[subscription.lower()] = (tokens, now)
            if self.refill_per_s <= 0:
                return False, 0, 1  # a bucket that never refills (tests of exhaustion): any wait is as good
            return False, 0, max(1, math.ceil((1.0 - tokens) / self.refill_per_s))
