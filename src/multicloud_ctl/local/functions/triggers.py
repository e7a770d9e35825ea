"""Non-HTTP triggers of the functions host: queue pollers and the backup timer.

- AWS: Lambda's SQS event source mapping. A batch is received with a visibility timeout (the lock), handed
  to the function as an SQS event; records reported in `batchItemFailures` (or the whole batch when the
  function raises) are left to reappear after the timeout, the rest are deleted. The queue's redrive policy
  dead-letters a message after `maxReceiveCount` receives, as in AWS.
- Azure: the Service Bus trigger. Each message is locked (the lock renewed while the handler runs), handed
  to `consumers.handle_message(queue, body)`; success completes it, a raise abandons it for redelivery until
  the Nth delivery, which dead-letters it with the failure as the reason (the functions' own `process_batch`
  settles, the same code as in the cloud).
- Timer: backup-service at 02:00 UTC daily (or every `interval` seconds in the sandbox), or on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from multicloud_ctl.engine.clock import default_clock

log = logging.getLogger(__name__)


@dataclass
class QueueStats:
    completed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    errors: int = 0
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "completed": self.completed,
            "retried": self.retried,
            "dead_lettered": self.dead_lettered,
            "errors": self.errors,
            "last_error": self.last_error,
        }


@dataclass
class Poller:
    """One queue's polling loop on its own thread; `poll_once` does one receive-and-settle round."""

    queue: str
    poll_once: Callable[[], tuple[int, int, int]]  # (completed, retried, dead_lettered)
    stats: QueueStats = field(default_factory=QueueStats)
    idle_sleep: float = 0.2

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                done, retried, dead = self.poll_once()
            except Exception as exc:  # the bus being down must not kill the host: report and retry
                self.stats.errors += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:300]
                stop.wait(1.0)
                continue
            self.stats.completed += done
            self.stats.retried += retried
            self.stats.dead_lettered += dead
            if not (done or retried or dead):
                stop.wait(self.idle_sleep)


def sqs_event_source(
    sqs: Any,
    queue_url: str,
    region: str,
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    batch_size: int = 10,
    visibility: int = 5,
    wait: int = 1,
) -> Callable[[], tuple[int, int, int]]:
    """Lambda's SQS event source mapping for `handler` (partial batch responses honoured)."""
    arn = f"arn:aws:sqs:{region}:{queue_url.rstrip('/').split('/')[-2]}:{queue_url.rstrip('/').split('/')[-1]}"

    def poll_once() -> tuple[int, int, int]:
        out = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch_size,
            WaitTimeSeconds=wait,
            VisibilityTimeout=visibility,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = out.get("Messages", [])
        if not messages:
            return 0, 0, 0
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": region,
            }
            for m in messages
        ]
        try:
            result = handler({"Records": records}, None) or {}
            failed = {f.get("itemIdentifier") for f in result.get("batchItemFailures", [])}
        except Exception:
            log.exception("SQS batch handler raised: the whole batch will be retried")
            failed = {r["messageId"] for r in records}
        done = [r for r in records if r["messageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)],
            )
        return len(done), len(records) - len(done), 0

    return poll_once


def servicebus_trigger(
    bus: Any,
    queue: str,
    handle: Callable[[str, Mapping[str, Any]], Any],
    *,
    max_deliveries: int,
    lock_seconds: int = 5,
    wait: int = 1,
    renew_locks: bool = True,
) -> Callable[[], tuple[int, int, int]]:
    """The Service Bus trigger over the functions' bus interface (SQS on moto in the sandbox).

    A message stays locked for `lock_seconds` and its lock is renewed while the handler runs, as the
    Functions host renews Service Bus locks (host.json `maxAutoLockRenewalDuration`); with `renew_locks`
    off, a handler slower than the lock sees its message handed out again.
    """
    from multicloud_ctl.functions.adapters.bus import process_batch

    def poll_once() -> tuple[int, int, int]:
        out = process_batch(
            bus,
            queue,
            lambda body: handle(queue, body),
            max_deliveries=max_deliveries,
            wait_seconds=wait,
            lock_seconds=lock_seconds,
            renew_locks=renew_locks,
        )
        return out.completed, out.abandoned, out.dead_lettered

    return poll_once


@dataclass
class TimerTrigger:
    """A timer function: daily at `at_hour` UTC, or every `interval` s when set; `fire()` runs it now."""

    name: str
    run: Callable[[], Mapping[str, Any]]
    interval: float = 0.0
    at_hour: int = 2
    clock: Callable[[], datetime] = field(default_factory=default_clock)
    runs: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_due(self, now: datetime) -> datetime:
        if self.interval > 0:
            return now + timedelta(seconds=self.interval)
        due = now.replace(hour=self.at_hour, minute=0, second=0, microsecond=0)
        return due if due > now else due + timedelta(days=1)

    def fire(self) -> dict[str, Any]:
        with self._lock:  # one run at a time, as the Functions host's singleton lock does for timers
            started = self.clock()
            try:
                result: dict[str, Any] = {"status": "ok", **dict(self.run())}
            except Exception as exc:
                log.exception("timer %s failed", self.name)
                result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]}
            result.setdefault("fired_at", started.isoformat())
            self.runs.append(result)
            del self.runs[:-20]
            return result

    def loop(self, stop: threading.Event) -> None:
        due = self.next_due(self.clock())
        while not stop.is_set():
            left = (due - self.clock()).total_seconds()
            if left > 0:
                stop.wait(min(left, 5.0))
                continue
            self.fire()
            due = self.next_due(self.clock())
