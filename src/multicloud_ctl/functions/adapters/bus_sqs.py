"""The bus on SQS: visibility timeout is the lock, ApproximateReceiveCount the delivery count.

`lock_seconds` is the VisibilityTimeout of the receive; `hold` is a ChangeMessageVisibility heartbeat
(each call sets the timeout to `lock_seconds` from now, "Changing a message's visibility timeout", Amazon
SQS Developer Guide) so a handler that outlives one lock period is not handed to a second consumer.

Dead-lettering is explicit (so the reason travels as message attributes) into the queue named by the source
queue's RedrivePolicy, or `MCCTL_FN_QUEUE_URL_<NAME>_DLQ`. The redrive policy stays as a safety net.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from multicloud_ctl.functions.adapters.aws import client
from multicloud_ctl.functions.adapters.bus import BusError, Received, decode_body, heartbeat
from multicloud_ctl.functions.config import FunctionConfig
from multicloud_ctl.functions.observability import carrier_from_sqs


class SqsBus:
    def __init__(self, cfg: FunctionConfig) -> None:
        self.cfg = cfg
        self._dlq: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def sqs(self) -> Any:
        return client("sqs", self.cfg)

    def url(self, queue: str) -> str:
        return self.cfg.queue_url(queue)

    def send(self, queue: str, body: Mapping[str, Any], *, message_id: str | None = None) -> None:
        from multicloud_ctl.functions.observability import producer_span, sqs_attributes

        attrs = {"event_id": {"DataType": "String", "StringValue": message_id}} if message_id else {}
        with producer_span(queue) as carrier:  # W3C trace context travels as message attributes
            self.sqs.send_message(
                QueueUrl=self.url(queue),
                MessageBody=json.dumps(dict(body), sort_keys=True),
                MessageAttributes={**attrs, **sqs_attributes(carrier)},
            )

    def receive(
        self, queue: str, *, max_messages: int = 10, wait_seconds: int = 1, lock_seconds: int = 30
    ) -> list[Received]:
        out = self.sqs.receive_message(
            QueueUrl=self.url(queue),
            MaxNumberOfMessages=min(10, max_messages),
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=lock_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        )
        got = []
        for m in out.get("Messages", []):
            attrs = m.get("MessageAttributes", {})
            mid = attrs.get("event_id", {}).get("StringValue") or m["MessageId"]
            count = int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            received = Received(queue, decode_body(m["Body"]), mid, count, m["ReceiptHandle"])
            received.properties = carrier_from_sqs(attrs)
            got.append(received)
        return got

    def hold(self, msg: Received, lock_seconds: int) -> AbstractContextManager[None]:
        """Keep `msg` invisible while the block runs (a visibility heartbeat, up to MAX_LOCK_RENEWAL s)."""
        return heartbeat(self.renew, msg, lock_seconds, max_seconds=self.cfg.max_lock_renewal)

    def renew(self, msg: Received, lock_seconds: int) -> None:
        """Make `msg` invisible for another `lock_seconds` from now."""
        self.sqs.change_message_visibility(
            QueueUrl=self.url(msg.queue), ReceiptHandle=msg.handle, VisibilityTimeout=lock_seconds
        )

    def complete(self, msg: Received) -> None:
        self.sqs.delete_message(QueueUrl=self.url(msg.queue), ReceiptHandle=msg.handle)

    def abandon(self, msg: Received) -> None:
        self.sqs.change_message_visibility(QueueUrl=self.url(msg.queue), ReceiptHandle=msg.handle, VisibilityTimeout=0)

    def dead_letter_url(self, queue: str) -> str:
        with self._lock:
            if queue in self._dlq:
                return self._dlq[queue]
        explicit = os.environ.get(f"MCCTL_FN_QUEUE_URL_{queue.upper()}_DLQ", "").strip()
        if explicit:
            found = explicit
        else:
            attrs = self.sqs.get_queue_attributes(QueueUrl=self.url(queue), AttributeNames=["RedrivePolicy"])
            policy = attrs.get("Attributes", {}).get("RedrivePolicy")
            if not policy:
                raise BusError(
                    f"queue {queue} has no dead-letter queue (RedrivePolicy or MCCTL_FN_QUEUE_URL_{queue.upper()}_DLQ)"
                )
            arn = json.loads(policy)["deadLetterTargetArn"]
            account, name = arn.split(":")[4], arn.split(":")[5]
            found = self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        with self._lock:
            self._dlq[queue] = found
        return found

    def dead_letter(self, msg: Received, reason: str) -> None:
        attrs = {
            "DeadLetterReason": {"DataType": "String", "StringValue": reason or "unknown"},
            "SourceQueue": {"DataType": "String", "StringValue": msg.queue},
            "DeliveryCount": {"DataType": "Number", "StringValue": str(msg.delivery_count)},
            "event_id": {"DataType": "String", "StringValue": msg.message_id},
        }
        body = msg.body.get("_raw") if set(msg.body) == {"_raw"} else json.dumps(msg.body, sort_keys=True)
        self.sqs.send_message(QueueUrl=self.dead_letter_url(msg.queue), MessageBody=str(body), MessageAttributes=attrs)
        self.complete(msg)
