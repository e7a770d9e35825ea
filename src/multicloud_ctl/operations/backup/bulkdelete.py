"""Deleting many blobs with the Blob Batch API: 256 deletes per request, several requests in flight.

A batch answers per subrequest, so a failure is per blob: 404 means already gone (done), 408/429/500/503
are resent in a later batch with capped, jittered backoff up to `attempts` times, anything else (403, 409
lease held, ...) is final. A whole batch refused by a retryable status (or a dropped connection) is resent
the same way. Whatever is still not deleted at the end is reported by name, never dropped silently: the
caller decides (prune fails the run and names the count; a rerun finds the same blobs again).

Azurite 3.35 serves the container batch but answers 404 to a subrequest that deletes a blob *snapshot*
(the snapshot stays); so a 404 on a snapshot is confirmed with one single Delete Blob, counted as
`confirmed_singly` (on Azure that request finds nothing and costs one call per already-gone snapshot).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.clock import seeded_random
from multicloud_ctl.errors import EndpointUnreachable, ProviderError, Throttled

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.blob import BlobContainer

Target = tuple[str, "str | None"]  # (blob name, snapshot id or None)
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class DeleteReport:
    """What a bulk delete did: counts, requests sent, and every target it could not delete."""

    deleted: int = 0
    already_gone: int = 0
    batches: int = 0
    resent: int = 0
    confirmed_singly: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: DeleteReport) -> None:
        self.deleted += other.deleted
        self.already_gone += other.already_gone
        self.batches += other.batches
        self.resent += other.resent
        self.confirmed_singly += other.confirmed_singly
        self.failed += other.failed

    @property
    def removed(self) -> int:
        return self.deleted + self.already_gone


@dataclass(frozen=True)
class BatchPolicy:
    """Batch size, parallelism and the resend bound of a bulk delete."""

    size: int = 256
    workers: int = 4
    attempts: int = 5
    base: float = 0.2
    cap: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default_factory=lambda: seeded_random().random, compare=False)

    def delay(self, resend: int) -> float:
        return min(self.cap, self.base * 2**resend) * self.jitter()


def chunks(targets: Iterable[Target], size: int) -> Iterator[list[Target]]:
    chunk: list[Target] = []
    for target in targets:
        chunk.append(target)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def delete_chunk(blobs: BlobContainer, chunk: list[Target], policy: BatchPolicy) -> DeleteReport:
    """Delete one chunk (<= 256) with resends of the retryable failures; never raises for a per-blob failure."""
    report = DeleteReport()
    pending = list(chunk)
    last: dict[Target, tuple[int, str]] = {}
    for attempt in range(policy.attempts):
        if attempt:
            policy.sleep(policy.delay(attempt - 1))
            report.resent += len(pending)
        try:
            report.batches += 1
            answers = blobs.delete_batch(pending)
        except (Throttled, EndpointUnreachable) as exc:
            last.update({t: (exc.status or 0, type(exc).__name__) for t in pending})
            continue
        except ProviderError as exc:
            if exc.status in RETRYABLE:
                last.update({t: (exc.status or 0, "batch refused") for t in pending})
                continue
            raise
        retry: list[Target] = []
        for target, (status, code) in zip(pending, answers, strict=True):
            if status == 202:
                report.deleted += 1
            elif status == 404 and target[1] is not None:
                blobs.delete(target[0], snapshot=target[1])  # Azurite's batch misses snapshots: confirm singly
                report.confirmed_singly += 1
                report.deleted += 1
            elif status == 404:
                report.already_gone += 1
            elif status in RETRYABLE:
                retry.append(target)
                last[target] = (status, code)
            else:
                report.failed.append({"blob": target[0], "snapshot": target[1], "status": status, "code": code})
        pending = retry
        if not pending:
            return report
    for target in pending:
        status, code = last.get(target, (0, ""))
        report.failed.append({"blob": target[0], "snapshot": target[1], "status": status, "code": code})
    return report


def delete_all(blobs: BlobContainer, targets: Iterable[Target], policy: BatchPolicy | None = None) -> DeleteReport:
    """Delete every target in batches, `policy.workers` batches in flight (the targets are read lazily)."""
    policy = policy or BatchPolicy()
    total = DeleteReport()
    with ThreadPoolExecutor(max_workers=policy.workers, thread_name_prefix="mcctl-delete") as pool:
        in_flight: deque[Future[DeleteReport]] = deque()
        try:
            for chunk in chunks(targets, policy.size):
                while len(in_flight) >= 2 * policy.workers:
                    total.merge(in_flight.popleft().result())
                in_flight.append(pool.submit(delete_chunk, blobs, chunk, policy))
            while in_flight:
                total.merge(in_flight.popleft().result())
        except BaseException:
            for fut in in_flight:
                fut.cancel()
            raise
    return total
