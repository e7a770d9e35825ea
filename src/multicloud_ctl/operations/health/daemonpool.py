"""A thread pool whose workers are daemon threads: a check that overruns its timeout is abandoned for good.

`concurrent.futures.ThreadPoolExecutor` joins its workers when the interpreter exits, so one hung check
(an SDK retrying a dead endpoint for minutes) would keep `mcctl health` from exiting long after it printed
its verdict. This pool has the same `submit() -> Future` surface; `shutdown()` never waits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_STOP = object()


class DaemonPool:
    """`max_workers` daemon threads serving a queue of calls."""

    def __init__(self, max_workers: int, *, name: str = "mcctl", stack_size: int | None = None) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(max(1, max_workers))
        ]
        # thousands of workers (one per health check): a smaller stack than the default 8 MiB of address space
        previous = threading.stack_size(stack_size) if stack_size else None
        try:
            for thread in self._threads:
                thread.start()
        finally:
            if previous is not None:
                threading.stack_size(previous)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((future, fn, args, kwargs))
        return future

    def shutdown(self) -> None:
        """Let idle workers exit; busy ones finish (or are abandoned at interpreter exit)."""
        for _ in self._threads:
            self._queue.put(_STOP)

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
