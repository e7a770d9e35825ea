"""The order-service's SQS consumer Lambda: payment outcomes (queue `payments`) -> order status.

Reports partial batch failures (`batchItemFailures`), so only failed records are retried and the queue's
redrive policy dead-letters a record after N receives.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from multicloud_ctl.functions.adapters.bus import decode_body
from multicloud_ctl.functions.consumers import handle_message

log = logging.getLogger(__name__)


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            handle_message("payments", decode_body(record.get("body", "")))
        except Exception as exc:
            log.warning("record %s failed: %s", record.get("messageId"), type(exc).__name__)
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
