"""Service Bus queue triggers: payment-processor, notification-service, analytics-processor, order status.

Raising from a trigger makes the Functions host abandon the message; Service Bus dead-letters it after the
queue's MaxDeliveryCount. The connection is the app setting MCCTL_FN_SERVICEBUS_CONNECTION.
"""

from __future__ import annotations

import azure.functions as func

from multicloud_ctl.functions.azure.consumers import handle_message

bp = func.Blueprint()
CONNECTION = "MCCTL_FN_SERVICEBUS_CONNECTION"


def _body(msg: func.ServiceBusMessage) -> dict[str, object]:
    from multicloud_ctl.functions.adapters.bus import decode_body

    return decode_body(msg.get_body())


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="orders", connection=CONNECTION)
def payment_processor(msg: func.ServiceBusMessage) -> None:
    handle_message("orders", _body(msg))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="notifications", connection=CONNECTION)
def notification_service(msg: func.ServiceBusMessage) -> None:
    handle_message("notifications", _body(msg))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="analytics", connection=CONNECTION)
def analytics_processor(msg: func.ServiceBusMessage) -> None:
    handle_message("analytics", _body(msg))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="payments", connection=CONNECTION)
def order_status(msg: func.ServiceBusMessage) -> None:
    handle_message("payments", _body(msg))
