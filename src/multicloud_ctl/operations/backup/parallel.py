"""Run a function over many items on a thread pool with a bounded number in flight.

Bounded so that a million objects do not become a million queued futures; on Ctrl-C (or any exception
from the consumer) nothing new is started and queued work is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def for_each(
    items: Iterable[T],
    fn: Callable[[T], R],
    *,
    workers: int,
    on_done: Callable[[T, R | None, BaseException | None], None],
) -> None:
    """Call `fn(item)` for every item on `workers` threads; `on_done(item, result, error)` in this thread."""
    inflight: dict[Future[R], T] = {}
    limit = workers * 2
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcctl-backup")
    try:
        for item in items:
            while len(inflight) >= limit:
                _drain(inflight, on_done, FIRST_COMPLETED)
            inflight[pool.submit(fn, item)] = item
        while inflight:
            _drain(inflight, on_done, FIRST_COMPLETED)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _drain(
    inflight: dict[Future[R], T], on_done: Callable[[T, R | None, BaseException | None], None], mode: str
) -> None:
    done, _ = wait(list(inflight), return_when=mode)
    for fut in done:
        item = inflight.pop(fut)
        exc = fut.exception()
        on_done(item, None if exc else fut.result(), exc)
