"""CloudWatch Logs calls the log shipper and `mcctl logs` use: groups by prefix, filtered reads, writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class LogEvent:
    group: str
    stream: str
    timestamp_ms: int
    message: str
    event_id: str


@dataclass
class CloudWatchLogs:
    clients: AwsClients
    region: str | None = None

    @property
    def _c(self) -> Any:
        return self.clients.client("logs", self.region)

    def groups(self, prefix: str) -> list[str]:
        with aws_errors("DescribeLogGroups", prefix):
            pages = self._c.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
            return [g["logGroupName"] for page in pages for g in page.get("logGroups", [])]

    def events(self, group: str, start_ms: int, end_ms: int | None = None) -> Iterator[LogEvent]:
        """Events of `group` with timestamp >= start_ms (< end_ms), oldest first per page."""
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
        if end_ms is not None:
            kwargs["endTime"] = end_ms
        while True:
            with aws_errors("FilterLogEvents", group):
                page = self._c.filter_log_events(**kwargs)
            for e in page.get("events", []):
                yield LogEvent(group, e.get("logStreamName", ""), int(e["timestamp"]), e["message"], e["eventId"])
            token = page.get("nextToken")
            if not token or not page.get("events"):
                return
            kwargs["nextToken"] = token

    def ensure_group(self, group: str, retention_days: int, tags: dict[str, str]) -> None:
        """Create `group` (tagged) unless it exists, and set its retention."""
        c = self._c
        with aws_errors("CreateLogGroup", group), contextlib.suppress(c.exceptions.ResourceAlreadyExistsException):
            c.create_log_group(logGroupName=group, tags=tags)
        with aws_errors("PutRetentionPolicy", group):
            c.put_retention_policy(logGroupName=group, retentionInDays=retention_days)

    def delete_group(self, group: str) -> None:
        with aws_errors("DeleteLogGroup", group), contextlib.suppress(self._c.exceptions.ResourceNotFoundException):
            self._c.delete_log_group(logGroupName=group)

    def ensure_stream(self, group: str, stream: str) -> None:
        c = self._c
        exists = c.exceptions.ResourceAlreadyExistsException
        with aws_errors("CreateLogGroup", group), contextlib.suppress(exists):
            c.create_log_group(logGroupName=group)
        with aws_errors("CreateLogStream", stream), contextlib.suppress(exists):
            c.create_log_stream(logGroupName=group, logStreamName=stream)

    def put(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> int:
        """Append (timestamp_ms, message) events (sorted, in batches of 1,000)."""
        ordered = sorted(events)
        for i in range(0, len(ordered), 1000):
            chunk = [{"timestamp": ts, "message": msg} for ts, msg in ordered[i : i + 1000]]
            with aws_errors("PutLogEvents", f"{group}/{stream}"):
                self._c.put_log_events(logGroupName=group, logStreamName=stream, logEvents=chunk)
        return len(ordered)
