"""Read the signals a deploy bakes against: the Lambda `Errors` metric per version, and alarm states.

Lambda publishes `AWS/Lambda` `Errors` and `Invocations` with the `FunctionName` + `ExecutedVersion`
dimensions when an alias routes traffic by weight, which is exactly what a canary needs to judge only the
new version. In the sandbox nothing emits these by itself; tests inject them with `put_metric_data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients

NAMESPACE = "AWS/Lambda"


@dataclass(frozen=True)
class VersionHealth:
    """Errors and invocations of one function version inside a time window."""

    errors: float
    invocations: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.invocations if self.invocations else 0.0


class LambdaMetrics:
    """CloudWatch reads for one region (read-only: safe under --dry-run)."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._cw = clients.client("cloudwatch", region)

    def _sum(self, metric: str, function: str, version: str, start: datetime, end: datetime) -> float:
        dims = [{"Name": "FunctionName", "Value": function}, {"Name": "ExecutedVersion", "Value": version}]
        with aws_errors("GetMetricStatistics", f"{function}:{version} {metric}"):
            out = self._cw.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=metric,
                Dimensions=dims,
                StartTime=start,
                EndTime=end,
                Period=60,
                Statistics=["Sum"],
            )
        return float(sum(p.get("Sum", 0.0) for p in out.get("Datapoints", [])))

    def version_health(self, function: str, version: str, start: datetime, end: datetime) -> VersionHealth:
        """Errors and invocations of `function` version `version` between `start` and `end`."""
        return VersionHealth(
            errors=self._sum("Errors", function, version, start, end),
            invocations=self._sum("Invocations", function, version, start, end),
        )

    def alarms_in_alarm(self, names: Sequence[str]) -> list[str]:
        """Those of `names` whose state is ALARM right now."""
        if not names:
            return []
        with aws_errors("DescribeAlarms", ",".join(names)):
            out = self._cw.describe_alarms(AlarmNames=list(names))
        return sorted(a["AlarmName"] for a in out.get("MetricAlarms", []) if a.get("StateValue") == "ALARM")
