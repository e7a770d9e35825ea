"""One JSON object per log line: timestamp (UTC ISO-8601), level, service, cloud, region, trace/span id,
order id when known, logger, message (+ `exc` for exceptions). CloudWatch Logs Insights and Log Analytics
parse these fields without a custom parser."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from multicloud_ctl.functions.observability.context import current_ids, fields

_STD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, cloud: str, region: str, service: str) -> None:
        super().__init__()
        self.cloud, self.region, self.service = cloud, region, service

    def format(self, record: logging.LogRecord) -> str:
        cached = getattr(record, "_mcctl_json", None)  # several handlers: format once
        if cached is not None:
            return str(cached)
        text = self._format(record)
        record._mcctl_json = text
        return text

    def _format(self, record: logging.LogRecord) -> str:
        trace_id, span_id = current_ids()
        out: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "cloud": self.cloud,
            "region": self.region,
            "trace_id": trace_id,
            "span_id": span_id,
            "order_id": "",
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(fields())
        for key, value in record.__dict__.items():  # `extra=` fields
            if key not in _STD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)
