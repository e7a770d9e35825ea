"""Read ahead of the consumer, in a background thread: network reads overlap the work on the last one.

Used where pages are read and then processed (a stream shard's records applied to SQL, a backup unit's two
listings merged): the order is unchanged, and an item fetched but never consumed is dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_DONE: Any = object()


def prefetched(source: Iterator[T], ahead: int = 1) -> Generator[T, None, None]:
    """Yield from `source` while its next `ahead` items are already being fetched in a background thread.

    The first fetch starts here, not at the first `next`: two sources made one after the other are read at
    the same time from the start (a unit's S3 and Blob listings). `source` only ever runs in that one thread,
    one `next` at a time; closing the generator waits for the fetch in flight and then drops what was read.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
    futures = deque(pool.submit(next, source, _DONE) for _ in range(max(1, ahead)))
    return _ahead(pool, futures, source)


def _ahead(pool: ThreadPoolExecutor, futures: deque[Future[Any]], source: Iterator[T]) -> Generator[T, None, None]:
    try:
        while True:
            item = futures.popleft().result()
            if item is _DONE:
                return
            futures.append(pool.submit(next, source, _DONE))
            yield item
    finally:
        for future in futures:
            future.cancel()  # not started: never run; the one running is waited for below
        pool.shutdown(wait=True)
