"""`mcctl sync status` and the RPO figure in cloud environments, where the CDC Lambda is the engine.

There are no checkpoints to read there: Lambda's stream poller owns the positions. What tells how far SQL is
behind DynamoDB is the mapping and the function's metrics (read-only calls):
- each synced table's stream must have an event source mapping onto the CDC function that is `Enabled`
  (ListEventSourceMappings by EventSourceArn). None, or `Disabled`/`Disabling`: nothing carries that table's
  changes, the lag is unbounded. `LastProcessingResult` "PROBLEM: ..." is reported as it is.
- `IteratorAge` (AWS/Lambda, milliseconds, dimension set {FunctionName}): "the age of the last record in the
  event" of each invocation ("Using CloudWatch metrics with Lambda"): the newest Maximum datapoint is the lag.
  Lambda publishes it only when it invokes the function: with no datapoint in the window the lag is 0 when every
  mapping says its last processing was OK ("OK" or "No records processed"), otherwise unknown.
- a message in the CDC failure queue is a batch Lambda gave up on: its changes are not in SQL and will not be
  until `mcctl sync replay`. The lag is then unbounded, and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.operations.sync.context import SyncContext

WINDOW = timedelta(minutes=5)
IDLE_RESULTS = ("OK", "No records processed")
STOPPED_STATES = ("Disabled", "Disabling", "Deleting")


@dataclass
class MappingStatus:
    table: str
    mapping: str | None  # UUID, None when there is none
    function: str | None
    state: str  # the mapping's State, or "missing" / "no stream"
    last_result: str | None
    parallelization: int | None
    failure_queue: str | None  # the OnFailure destination's ARN, None when there is none


@dataclass
class CloudSyncStatus:
    mappings: list[MappingStatus]
    iterator_age_seconds: float | None
    failed_batches: int | None  # None: the failure queue does not exist
    dead_letters: int
    lag_seconds: float | None  # math.inf: unbounded; None: unknown
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["engine"] = "lambda"
        out["lag_seconds"] = None if self.lag_seconds in (None, math.inf) else self.lag_seconds
        out["lag_unbounded"] = self.lag_seconds == math.inf
        return out


def _function_name(arn: str) -> str:
    """`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` -> NAME."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def cloud_status(ctx: SyncContext, names: list[str] | None = None) -> CloudSyncStatus:
    from multicloud_ctl.operations.sync.status import dead_letter_counts
    from multicloud_ctl.providers.aws.lambda_ import StreamMappings
    from multicloud_ctl.providers.aws.sqs import SqsQueues

    runtime = ctx.runtime
    maps = StreamMappings(runtime.aws)
    rows: list[MappingStatus] = []
    problems: list[str] = []
    unbounded = False
    for m in ctx.select(names):
        arn = maps.stream_arn(m.source)
        if arn is None:
            rows.append(MappingStatus(m.source, None, None, "no stream", None, None, None))
            problems.append(f"{m.source} has no stream: its changes are not captured")
            unbounded = True
            continue
        found = maps.on_stream(arn)
        if not found:
            rows.append(MappingStatus(m.source, None, None, "missing", None, None, None))
            problems.append(f"{m.source}: no event source mapping reads its stream (run `mcctl deploy`)")
            unbounded = True
            continue
        for e in found:
            state = str(e.get("State", "Enabled"))
            last = e.get("LastProcessingResult")
            destination = ((e.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            rows.append(
                MappingStatus(
                    m.source,
                    str(e.get("UUID")),
                    _function_name(str(e.get("FunctionArn", ""))),
                    state,
                    str(last) if last else None,
                    e.get("ParallelizationFactor"),
                    str(destination) if destination else None,
                )
            )
            if state in STOPPED_STATES:
                problems.append(f"{m.source}: its stream mapping is {state}: changes are not applied")
                unbounded = True
            if last and str(last).startswith("PROBLEM"):
                problems.append(f"{m.source}: {last}")
            if not destination:
                problems.append(f"{m.source}: its stream mapping has no on-failure destination (failed batches lost)")
    age = _iterator_age(ctx, sorted({r.function for r in rows if r.function}))
    depth = SqsQueues(runtime.aws).depth(runtime.environment.aws.cdc_failure_queue)
    failed = depth.messages if depth else None
    if failed:
        problems.append(
            f"{failed} failed batch(es) wait in {runtime.environment.aws.cdc_failure_queue}: run `mcctl sync replay`"
        )
        unbounded = True
    lag: float | None
    if unbounded:
        lag = math.inf
    elif age is not None:
        lag = age
    elif rows and all(r.last_result in IDLE_RESULTS for r in rows):
        lag = 0.0
    else:
        lag = None
        problems.append("no IteratorAge datapoint in the last 5 minutes and no mapping reports OK: lag unknown")
    return CloudSyncStatus(rows, age, failed, sum(dead_letter_counts(ctx).values()), lag, problems)


def _iterator_age(ctx: SyncContext, functions: list[str]) -> float | None:
    """Seconds: the newest IteratorAge Maximum of the CDC function(s) in the window, None without a datapoint."""
    from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics

    metrics = CloudWatchMetrics(ctx.runtime.aws.client("cloudwatch"))
    end = ctx.now() + timedelta(minutes=1)  # a datapoint of this very second is in the window (whole seconds)
    newest: list[float] = []
    for fn in functions:
        points = metrics.statistic(
            "AWS/Lambda",
            "IteratorAge",
            {"FunctionName": fn},
            start=end - WINDOW - timedelta(minutes=1),
            end=end,
            period=60,
            statistic="Maximum",
        )
        if points:
            newest.append(points[-1].value / 1000.0)
    return max(newest) if newest else None


def cloud_rows(status: CloudSyncStatus) -> list[list[Any]]:
    return [
        [
            r.table,
            r.mapping or "-",
            r.state,
            r.last_result or "-",
            r.parallelization if r.parallelization is not None else "-",
            "yes" if r.failure_queue else "no",
        ]
        for r in status.mappings
    ]
