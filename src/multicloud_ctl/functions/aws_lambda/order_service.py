"""The order-service Lambda: API Gateway REST v1 proxy events for /orders (and /health)."""

from __future__ import annotations

from multicloud_ctl.functions.aws_lambda.apigw import service_handler

handler = service_handler("/orders")
