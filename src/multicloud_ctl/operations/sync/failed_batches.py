"""The CDC Lambda's failed batches: read from its on-failure queue, applied from the stream (`mcctl sync replay`).

When a stream batch still fails after the mapping's retries, or its records are older than
MaximumRecordAgeInSeconds, Lambda moves on and sends the on-failure destination an *invocation record*. For a
DynamoDB stream it carries the batch's position, not its data ("Retaining discarded records for a DynamoDB event
source in Lambda", https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html):

    {"requestContext": {"requestId": ..., "functionArn": ..., "condition": "RetryAttemptsExhausted",
                        "approximateInvokeCount": 4},
     "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
     "version": "1.0", "timestamp": "...",
     "DDBStreamBatchInfo": {"shardId": ..., "startSequenceNumber": ..., "endSequenceNumber": ...,
                            "approximateArrivalOfFirstRecord": ..., "approximateArrivalOfLastRecord": ...,
                            "batchSize": 1, "streamArn": ...}}

(`condition` is also `RecordAgeExceeded` or `ErrorBatchSizeExceeded`/`FunctionTimeout`-style reasons.) So a
replay reads the records back from the shard, AT_SEQUENCE_NUMBER start up to end, and applies them through
the same apply core as `sync run` and the Lambda; the `_seq` guard makes a late replay lose to anything newer
already in SQL. A message is deleted only after its records are committed. The stream keeps records 24 hours:
a batch whose records were trimmed cannot be replayed; it is reported with the backfill to run, and its message
is kept (deleted only with `--drop-trimmed`, after that backfill).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.functions.cdc.apply import apply_records, normalize_record
from multicloud_ctl.operations.sync.stream import Patience, patiently
from multicloud_ctl.providers.aws.dynamodb_streams import IteratorExpired, StreamTrimmed

if TYPE_CHECKING:
    from multicloud_ctl.operations.sync.context import SyncContext
    from multicloud_ctl.providers.aws.sqs import Message, SqsMessages

EMPTY_PAGES_LIMIT = 50  # records that were delivered once are in the shard: this many empty pages means they are not
VISIBILITY_SECONDS = 300


class Unreplayable(ValueError):
    """A message that is not a DynamoDB stream invocation record of a synced table."""


@dataclass(frozen=True)
class FailedBatch:
    stream_arn: str
    table: str
    shard_id: str
    start: str
    end: str
    size: int
    condition: str


@dataclass
class BatchReplay:
    batches: int = 0
    replayed: int = 0
    records: int = 0
    written: int = 0
    dead_letters: int = 0
    trimmed: list[str] = field(default_factory=list)  # tables whose batches were trimmed from the stream
    dropped: int = 0
    unreadable: list[str] = field(default_factory=list)  # message id: reason


def parse(body: str) -> FailedBatch:
    """The batch position an invocation record names (`Unreplayable` when the body is anything else)."""
    try:
        doc = json.loads(body)
        info = doc["DDBStreamBatchInfo"]
        arn = str(info["streamArn"])
        batch = FailedBatch(
            stream_arn=arn,
            table=arn.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in arn else "",
            shard_id=str(info["shardId"]),
            start=str(info["startSequenceNumber"]),
            end=str(info["endSequenceNumber"]),
            size=int(info.get("batchSize", 0)),
            condition=str((doc.get("requestContext") or {}).get("condition", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Unreplayable(f"not a DynamoDB stream invocation record ({type(exc).__name__}: {exc})") from None
    if not batch.table or not batch.start.isdigit() or not batch.end.isdigit():
        raise Unreplayable(f"invocation record without a table stream position: {batch}")
    return batch


def read_batch(ctx: SyncContext, batch: FailedBatch, patience: Patience) -> list[dict[str, Any]]:
    """The stream records from `start` to `end` inclusive (StreamTrimmed when they are past retention)."""
    client, end = ctx.streams, int(batch.end)
    position: str | None = None
    out: list[dict[str, Any]] = []
    empty = 0
    iterator: str | None = None
    while True:
        if iterator is None:
            get = (
                partial(client.shard_iterator, batch.stream_arn, batch.shard_id, at_seq=batch.start)
                if position is None
                else partial(client.shard_iterator, batch.stream_arn, batch.shard_id, position)
            )
            iterator = patiently(get, patience)
        try:
            page = patiently(partial(client.get_records, iterator, 1000), patience)
        except IteratorExpired:
            iterator = None
            continue
        for record in page.records:
            seq = str(record["dynamodb"]["SequenceNumber"])
            if int(seq) > end:
                return out
            out.append(record)
            position = seq
        if position is not None and int(position) == end:
            return out
        empty = 0 if page.records else empty + 1
        iterator = page.next_iterator
        if iterator is None or empty >= EMPTY_PAGES_LIMIT:
            if not out:
                raise OperationFailed(
                    f"failed batch {batch.start}..{batch.end} of {batch.table} is not in shard {batch.shard_id}",
                    hint=f"run `mcctl sync backfill {batch.table}` to bring SQL level with DynamoDB",
                )
            return out


def replay_failed_batches(
    ctx: SyncContext,
    queue: SqsMessages,
    names: list[str] | None = None,
    *,
    drop_trimmed: bool = False,
    patience: Patience | None = None,
) -> BatchReplay:
    """Drain the failure queue: each batch's records applied (one transaction), then its message deleted.

    Messages not replayed (another table than `names`, unreadable, trimmed) are made visible again at the end.
    """
    result = BatchReplay()
    wanted = {m.source: m for m in ctx.select(names)}
    patience = patience or Patience(seconds=ctx.spec.throttle_patience_seconds)
    kept: list[Message] = []
    try:
        while True:
            messages = queue.receive(visibility=VISIBILITY_SECONDS)
            if not messages:
                return result
            for message in messages:
                if not _one(ctx, queue, message, wanted, result, drop_trimmed, patience):
                    kept.append(message)
    finally:
        for message in kept:
            queue.release(message)


def _one(
    ctx: SyncContext,
    queue: SqsMessages,
    message: Message,
    wanted: dict[str, Any],
    result: BatchReplay,
    drop_trimmed: bool,
    patience: Patience,
) -> bool:
    """Replay one message's batch; False when the message stays in the queue."""
    try:
        batch = parse(message.body)
    except Unreplayable as exc:
        result.batches += 1
        result.unreadable.append(f"{message.id}: {exc}")
        return False
    mapping = wanted.get(batch.table)
    if mapping is None:
        if batch.table not in {m.source for m in ctx.mappings}:
            result.batches += 1
            result.unreadable.append(f"{message.id}: table {batch.table} is not in the sync playbook")
        return False
    result.batches += 1
    try:
        records = read_batch(ctx, batch, patience)
    except StreamTrimmed:
        result.trimmed.append(batch.table)
        if drop_trimmed:
            queue.delete(message)
            result.dropped += 1
            return True
        return False
    with ctx.engine.begin() as conn:
        applied = apply_records(
            conn, ctx.tables, mapping, [normalize_record(r) for r in records], shard_id=batch.shard_id, now=ctx.now()
        )
    queue.delete(message)
    result.replayed += 1
    result.records += applied.received
    result.written += applied.written
    result.dead_letters += applied.dead
    return True
