"""Reading one table's stream as DynamoDB documents it: shard order, empty pages, expiry, throttling, tails.

- Order: a child's records are newer than its parent's, so a child is read only once its parent is finished
  (closed and read to the end) or gone (trimmed past retention, or never seen).
- Empty pages: an open shard may answer empty pages before later records ("it might take multiple calls to
  get to a portion of the shard that contains stream records"). An empty page never ends a shard: a shard
  ends only when GetRecords returns no NextShardIterator (closed, read to its end). A pass treats an open
  shard as caught up after `idle_pages` empty pages in a row and keeps its iterator, so the next pass goes on
  from there and crosses any run of empty pages.
- Expiry: an iterator lives 15 minutes. An expired one is replaced by a new one just after the last record
  read (AFTER_SEQUENCE_NUMBER), or at the checkpoint: nothing is skipped, nothing read twice.
- Throttling: the SDK retries first; what is still throttled is retried here with jittered exponential
  backoff, for `patience` seconds, interruptible by the run's stop signal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from multicloud_ctl.errors import OperationFailed, Throttled
from multicloud_ctl.providers.aws.dynamodb_streams import IteratorExpired, ShardInfo, StreamTrimmed

if TYPE_CHECKING:
    from multicloud_ctl.operations.sync.checkpoint import Checkpoint
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient, RecordPage

T = TypeVar("T")
MAX_EXPIRED_IN_A_ROW = 3
CLOSED_EMPTY_PAGES_LIMIT = 10_000  # a closed shard that never ends is a service bug: fail rather than spin


def ordered_shards(shards: list[ShardInfo]) -> list[ShardInfo]:
    """Shards in an order where every parent comes before its children."""
    by_id = {s.shard_id: s for s in shards}
    done: set[str] = set()
    out: list[ShardInfo] = []

    def visit(shard: ShardInfo, path: tuple[str, ...] = ()) -> None:
        if shard.shard_id in done or shard.shard_id in path:
            return
        parent = by_id.get(shard.parent_shard_id or "")
        if parent is not None:
            visit(parent, (*path, shard.shard_id))
        done.add(shard.shard_id)
        out.append(shard)

    for shard in sorted(shards, key=lambda s: s.starting_seq.zfill(40)):
        visit(shard)
    return out


def ready(shard: ShardInfo, shards: dict[str, ShardInfo], cps: dict[str, Checkpoint]) -> bool:
    """A shard may be read when its parent is finished, or no longer in the stream."""
    parent = shard.parent_shard_id
    if not parent or parent not in shards:
        return True
    cp = cps.get(parent)
    return cp is not None and cp.finished


@dataclass
class Patience:
    """Backoff for throttled stream calls: jittered exponential from `first` to `cap`, for `seconds` in all."""

    seconds: float = 600.0
    first: float = 0.05
    cap: float = 5.0
    stopped: Callable[[], bool] = lambda: False
    sleep: Callable[[float], object] | None = None  # default: time.sleep; a run passes its stop event's wait


def patiently(call: Callable[[], T], patience: Patience) -> T:
    """`call()`, retried with backoff while it raises `Throttled` (and the run is not stopping)."""
    import time

    from tenacity import (
        Retrying,
        retry_if_exception_type,
        stop_after_delay,
        stop_when_event_set,
        wait_random_exponential,
    )

    class _Stopped:
        def is_set(self) -> bool:
            return patience.stopped()

    pause = patience.sleep or time.sleep

    def sleep(seconds: float) -> None:
        pause(seconds)

    retrying = Retrying(
        retry=retry_if_exception_type(Throttled),
        wait=wait_random_exponential(multiplier=patience.first, max=patience.cap),
        stop=stop_after_delay(patience.seconds) | stop_when_event_set(_Stopped()),  # type: ignore[arg-type]
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)


@dataclass
class ShardReader:
    """One shard during a run: the iterator to use next and the last record read (stream form)."""

    client: DynamoStreamsClient
    arn: str
    shard_id: str
    position: str | None  # None: from the shard's start (TRIM_HORIZON)
    patience: Patience = field(default_factory=Patience)
    iterator: str | None = None
    finished: bool = False

    def restart_at(self, position: str | None) -> None:
        """Forget the iterator: the next read starts just after `position` (pages read but not applied)."""
        self.position, self.iterator = position, None

    def read(self, limit: int) -> RecordPage:
        """The next page; advances the reader past it."""
        expired = 0
        while True:
            if self.iterator is None:
                self.iterator = patiently(
                    partial(self.client.shard_iterator, self.arn, self.shard_id, self.position), self.patience
                )
            try:
                page = patiently(partial(self.client.get_records, self.iterator, limit), self.patience)
            except IteratorExpired:
                expired += 1
                if expired >= MAX_EXPIRED_IN_A_ROW:
                    raise
                self.iterator = None  # a fresh one just after the last record read
                continue
            self.iterator = page.next_iterator
            if page.records:
                self.position = page.records[-1]["dynamodb"]["SequenceNumber"]
            if page.next_iterator is None:
                self.finished = True
            return page

    def pages(self, limit: int, idle_pages: int, closed: bool) -> Iterator[RecordPage]:
        """Pages until the shard ends, or (open shard) `idle_pages` empty pages in a row: caught up for now."""
        empty = 0
        while not self.finished:
            page = self.read(limit)
            empty = 0 if page.records else empty + 1
            yield page
            if page.next_iterator is None:
                return
            if empty >= (CLOSED_EMPTY_PAGES_LIMIT if closed else idle_pages):
                if closed:
                    raise OperationFailed(
                        f"shard {self.shard_id} is closed but returned {empty} empty pages without ending"
                    )
                return


@dataclass
class Tail:
    """Where a shard's stream ends right now."""

    sequence: str | None  # the last record's sequence number (stream form), None if none after `start`
    finished: bool  # the shard is closed and was read to its end
    records: int


def find_tail(
    client: DynamoStreamsClient,
    arn: str,
    shard: ShardInfo,
    start: str | None,
    page: int = 1000,
    idle_pages: int = 2,
    patience: Patience | None = None,
) -> Tail:
    """Read a shard from `start` (None: its beginning) to its end without applying, to learn its last position."""
    if shard.closed:
        return Tail(shard.ending_seq, True, 0)
    reader = ShardReader(client, arn, shard.shard_id, start, patience or Patience())
    try:
        reader.iterator = patiently(lambda: client.shard_iterator(arn, shard.shard_id, start), reader.patience)
    except StreamTrimmed:
        reader.restart_at(None)
    seen = 0
    for result in reader.pages(page, idle_pages, closed=False):
        seen += len(result.records)
    return Tail(reader.position, reader.finished, seen)
