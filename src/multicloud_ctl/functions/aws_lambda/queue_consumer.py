"""SQS-triggered Lambdas for the bus consumers (any logical queue), with partial batch failure reports.

A failing record is reported in `batchItemFailures` (so only it is retried) until its Nth receive; then it is
dead-lettered explicitly with the failure as its reason, like the other hosts do. The queue's redrive policy
(maxReceiveCount > MCCTL_FN_MAX_DELIVERIES) stays as the safety net.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from multicloud_ctl.functions.adapters.bus import Received, decode_body
from multicloud_ctl.functions.consumers import consume
from multicloud_ctl.functions.observability import carrier_from_sqs, consumer_span
from multicloud_ctl.functions.wiring import services

log = logging.getLogger(__name__)
SqsHandler = Callable[[Mapping[str, Any], Any], dict[str, Any]]


def sqs_handler(queue: str) -> SqsHandler:
    """The Lambda handler consuming `queue` (orders, payments, notifications or analytics) from SQS events."""

    def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        svc = services()
        failures: list[dict[str, str]] = []
        for record in event.get("Records", []):
            body = decode_body(record.get("body", ""))
            carrier = carrier_from_sqs(record.get("messageAttributes"))
            try:
                with consumer_span(svc.cfg.cloud, queue, carrier, body):
                    consume(svc, queue, body)
                continue
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"[:1000]
            count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            event_id = record.get("messageAttributes", {}).get("event_id", {}).get("stringValue")
            msg = Received(queue, body, event_id or record["messageId"], count, record["receiptHandle"])
            if count >= svc.cfg.max_deliveries and svc.cfg.bus_kind == "sqs":
                try:
                    svc.bus.dead_letter(msg, reason)
                    continue
                except Exception as dlq_exc:
                    log.error("dead-lettering %s failed: %s", msg.message_id, type(dlq_exc).__name__)
            log.warning("record %s failed (receive %d): %s", record["messageId"], count, reason)
            failures.append({"itemIdentifier": str(record["messageId"])})
        return {"batchItemFailures": failures}

    return handler


payment_processor = sqs_handler("orders")
notification_service = sqs_handler("notifications")
analytics_processor = sqs_handler("analytics")
order_status = sqs_handler("payments")
