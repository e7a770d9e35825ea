"""Service Bus queue triggers: payment-processor, notification-service, analytics-processor, order status.

Raising from a trigger makes the Functions host abandon the message; Service Bus dead-letters it after the
queue's MaxDeliveryCount. The connection is the app setting MCCTL_FN_SERVICEBUS_CONNECTION.
"""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.adapters.bus import decode_body
from multicloud_ctl.functions.azure.consumers import handle_message

CONNECTION = "MCCTL_FN_SERVICEBUS_CONNECTION"


def make_blueprint() -> func.Blueprint:
    """A fresh blueprint with one trigger per logical queue."""
    bp = func.Blueprint()

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="orders", connection=CONNECTION)
    def payment_processor(msg: func.ServiceBusMessage) -> None:
        handle_message("orders", decode_body(msg.get_body()))

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="notifications", connection=CONNECTION)
    def notification_service(msg: func.ServiceBusMessage) -> None:
        handle_message("notifications", decode_body(msg.get_body()))

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="analytics", connection=CONNECTION)
    def analytics_processor(msg: func.ServiceBusMessage) -> None:
        handle_message("analytics", decode_body(msg.get_body()))

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="payments", connection=CONNECTION)
    def order_status(msg: func.ServiceBusMessage) -> None:
        handle_message("payments", decode_body(msg.get_body()))

    return bp
