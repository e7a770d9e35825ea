"""The order-service's SQS consumer Lambda: payment outcomes (queue `payments`) -> order status."""

from __future__ import annotations

from multicloud_ctl.functions.aws_lambda.queue_consumer import order_status

handler = order_status
