"""Reading one table's stream: shard order (parents before children) and finding a shard's tail.

DynamoDB splits shards over time; a child's records are newer than its parent's, so a child is read only
once its parent is finished (closed and read to the end) or gone (trimmed past retention, or never seen).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from multicloud_ctl.providers.aws.dynamodb_streams import ShardInfo, StreamTrimmed

if TYPE_CHECKING:
    from multicloud_ctl.operations.sync.checkpoint import Checkpoint
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient, RecordPage

T = TypeVar("T")


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
class Tail:
    """Where a shard's stream ends right now."""

    sequence: str | None  # the last record's sequence number (stream form), None if none after `start`
    finished: bool  # the shard is closed and was read to its end
    records: int


def find_tail(client: DynamoStreamsClient, arn: str, shard: ShardInfo, start: str | None, page: int = 1000) -> Tail:
    """Read a shard from `start` (None: its beginning) to its end without applying, to learn its last position."""
    if shard.closed:
        return Tail(shard.ending_seq, True, 0)
    try:
        iterator: str | None = client.shard_iterator(arn, shard.shard_id, start)
    except StreamTrimmed:
        start, iterator = None, client.shard_iterator(arn, shard.shard_id, None)
    last, seen = start, 0
    for result in pages(client, iterator, page):
        if result.records:
            last = result.records[-1]["dynamodb"]["SequenceNumber"]
            seen += len(result.records)
        if result.next_iterator is None:
            return Tail(last, True, seen)
        if not result.records:
            break
    return Tail(last, False, seen)


def pages(client: DynamoStreamsClient, iterator: str | None, limit: int) -> Iterator[RecordPage]:
    """Pages of records from `iterator` until the shard ends or a page comes back empty (caught up)."""
    while iterator:
        result = client.get_records(iterator, limit)
        yield result
        if not result.records:
            return
        iterator = result.next_iterator


def prefetched(source: Iterator[T]) -> Iterator[T]:
    """Yield from `source` while its next item is already being fetched in a background thread.

    Overlaps the network read of page N+1 with the SQL apply of page N; the apply order is unchanged, and a
    page fetched but never consumed is simply dropped (it was not checkpointed).
    """
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as pool:
        future = pool.submit(next, source, done)
        while True:
            item = future.result()
            if item is done:
                return
            future = pool.submit(next, source, done)
            yield item  # type: ignore[misc]
