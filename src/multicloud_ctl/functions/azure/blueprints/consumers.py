"""Service Bus queue triggers: payment-processor, notification-service, analytics-processor, order status.

Raising from a trigger makes the Functions host abandon the message; Service Bus dead-letters it after the
queue's MaxDeliveryCount. The connection named MCCTL_FN_SERVICEBUS_CONNECTION is identity-based in the cloud:
deploy writes `MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace` and the host connects with the app's
managed identity (the namespace refuses SAS). The host renews message locks itself up to host.json's
`maxAutoLockRenewalDuration`.
"""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.adapters.bus import decode_body
from multicloud_ctl.functions.azure.consumers import handle_message
from multicloud_ctl.functions.observability import consumer_span

CONNECTION = "MCCTL_FN_SERVICEBUS_CONNECTION"


def _traced(queue: str, msg: func.ServiceBusMessage) -> None:
    """Handle one message inside a consumer span whose parent is the sender's (application properties)."""
    body = decode_body(msg.get_body())
    props = msg.application_properties or {}
    carrier = {}
    for key in ("traceparent", "tracestate"):
        value = props.get(key) or props.get(key.encode())  # type: ignore[call-overload]
        if value:
            carrier[key] = value.decode() if isinstance(value, bytes) else str(value)
    with consumer_span("azure", queue, carrier, body):
        handle_message(queue, body)


def make_blueprint() -> func.Blueprint:
    """A fresh blueprint with one trigger per logical queue."""
    bp = func.Blueprint()

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="orders", connection=CONNECTION)
    def payment_processor(msg: func.ServiceBusMessage) -> None:
        _traced("orders", msg)

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="notifications", connection=CONNECTION)
    def notification_service(msg: func.ServiceBusMessage) -> None:
        _traced("notifications", msg)

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="analytics", connection=CONNECTION)
    def analytics_processor(msg: func.ServiceBusMessage) -> None:
        _traced("analytics", msg)

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="payments", connection=CONNECTION)
    def order_status(msg: func.ServiceBusMessage) -> None:
        _traced("payments", msg)

    return bp
