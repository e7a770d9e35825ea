"""Observability inside the functions: structured JSON logs, OpenTelemetry spans, W3C trace propagation.

    setup("aws", "us-east-1")                      # once per process (wiring.services() calls it)
    with server_span(cloud, req.method, req.path, req.headers) as span: ...   # HTTP entry
    with consumer_span(cloud, queue, carrier, body): ...                      # bus message
    attrs = sqs_trace_attributes()  /  props = trace_properties()            # outgoing bus messages
    headers = trace_headers()                                                # outgoing HTTP calls

Settings (environment): MCCTL_FN_OBSERVABILITY=0 turns both off (plain logging, no spans);
MCCTL_FN_LOG_FILE appends the JSON log lines to a file as well as stderr (the sandbox's stand-in for the
platform's log capture); MCCTL_FN_TRACE_FILE exports finished spans as JSON lines (the sandbox collector).
This package imports nothing from multicloud_ctl outside `functions`.
"""

from __future__ import annotations

from multicloud_ctl.functions.observability.context import bind, current_trace_id
from multicloud_ctl.functions.observability.jsonlog import JsonFormatter
from multicloud_ctl.functions.observability.setup import enabled, setup
from multicloud_ctl.functions.observability.spans import (
    carrier_from_sqs,
    consumer_span,
    producer_span,
    server_span,
    sqs_attributes,
    sqs_trace_attributes,
    trace_headers,
    trace_properties,
)

__all__ = [
    "JsonFormatter",
    "bind",
    "carrier_from_sqs",
    "consumer_span",
    "current_trace_id",
    "enabled",
    "producer_span",
    "server_span",
    "setup",
    "sqs_attributes",
    "sqs_trace_attributes",
    "trace_headers",
    "trace_properties",
]
