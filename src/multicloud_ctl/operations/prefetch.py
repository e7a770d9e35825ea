"""Read one item ahead of the consumer, in a background thread: network reads overlap the work on the last one.

Used where pages are read and then processed (a stream shard's records applied to SQL, a backup unit's two
listings merged): the order is unchanged, and an item fetched but never consumed is dropped.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_DONE: Any = object()


def prefetched(source: Iterator[T]) -> Generator[T, None, None]:
    """Yield from `source` while its next item is already being fetched in a background thread.

    The first fetch starts here, not at the first `next`: two sources made one after the other are read at
    the same time from the start (a unit's S3 and Blob listings). `source` only ever runs in that one thread,
    one `next` at a time; closing the generator waits for the fetch in flight and then drops it.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
    return _ahead(pool, pool.submit(next, source, _DONE), source)


def _ahead(pool: ThreadPoolExecutor, future: Future[Any], source: Iterator[T]) -> Generator[T, None, None]:
    with pool:
        while True:
            item = future.result()
            if item is _DONE:
                return
            future = pool.submit(next, source, _DONE)
            yield item
