"""CPython's cyclic garbage collector run less often while an operation builds a large, acyclic working set.

At the default thresholds (700 allocations between young collections) every older-generation collection walks
every live container, so building half a million small objects spends a growing share of its time in the
collector. The two places that do this measured it:

- `sync run`: pages in flight are a million small dicts and lists (64 shards x 1,000 records); the collector was
  about a quarter of a record's CPU (`bench/sync.py --fake-stream`, 80,000 records: 50 us a record, 37 us with
  it off, 42 us at 10,000).
- `cost report`: a year of 500 services per cloud is 580k records; parsing and reporting took 3.25 s at the
  defaults and 2.33 s at 10,000 (`bench/cost.py --scale`).

Neither makes reference cycles, so nothing is kept longer than one young generation's worth.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000  # allocations between young collections (CPython's default: 700)


@contextmanager
def collections_rarer(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the young generation's threshold to at least `young` for the block, then restore it."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], young), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
