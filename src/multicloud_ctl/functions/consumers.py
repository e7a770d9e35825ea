"""Bus consumers by logical queue, cloud-neutral: called by Service Bus triggers, SQS Lambdas and local hosts.

    orders         OrderPlaced -> payment-processor (charge once, record Transactions, publish outcome)
    notifications  OrderPlaced / Payment* -> notification-service (templated e-mail, SMS)
    analytics      OrderPlaced / Payment* -> analytics-processor (Analytics aggregates)
    payments       Payment* -> order status (pending -> paid | payment_failed)

A handler raising means "not processed": the bus redelivers and dead-letters after N deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from multicloud_ctl.functions.domain.errors import Invalid
from multicloud_ctl.functions.domain.events import Event
from multicloud_ctl.functions.wiring import Services, services

log = logging.getLogger(__name__)


def consume(svc: Services, queue_name: str, message: Mapping[str, Any]) -> object:
    """Process one message of a logical queue with the given services; raises on failure."""
    event = Event.from_dict(message)
    if queue_name == "orders":
        return svc.payments.handle(event)
    if queue_name == "notifications":
        return svc.notifications.handle(event)
    if queue_name == "analytics":
        return svc.analytics.handle(event)
    if queue_name == "payments":
        return svc.orders.apply_payment_outcome(event)
    raise Invalid(f"no consumer for queue {queue_name!r}")


def handle_message(queue_name: str, message_dict: Mapping[str, Any]) -> None:
    """Process one message with the process-wide services (configured from MCCTL_FN_* variables)."""
    consume(services(), queue_name, message_dict)
