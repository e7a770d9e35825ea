"""Read the signals a deploy bakes against: the Lambda `Errors` metric per version, and alarm states.

Lambda publishes `AWS/Lambda` metrics under the dimension sets {}, {FunctionName}, {FunctionName, Resource}
and, for invocations through an alias, {FunctionName, Resource, ExecutedVersion} with `Resource` =
`name:alias` (Lambda developer guide, "Types of metrics for Lambda functions", dimensions). The last set is
what a canary needs to judge only the new version behind the alias. CloudWatch matches the dimension set
exactly (GetMetricStatistics: "you must specify the same dimensions that were used when the metrics were
created"), so `{FunctionName, ExecutedVersion}` alone reads nothing. In the sandbox the functions host
publishes these sets (`local/functions/lambda_metrics.py`) and moto runs with exact matching.
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


def version_dimensions(function: str, alias: str, version: str) -> list[dict[str, str]]:
    """The dimension set Lambda publishes a version's metrics under when it ran behind `alias`."""
    return [
        {"Name": "FunctionName", "Value": function},
        {"Name": "Resource", "Value": f"{function}:{alias}"},
        {"Name": "ExecutedVersion", "Value": version},
    ]


class LambdaMetrics:
    """CloudWatch reads for one region (read-only: safe under --dry-run)."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._cw = clients.client("cloudwatch", region)

    def _sum(self, metric: str, function: str, alias: str, version: str, start: datetime, end: datetime) -> float:
        dims = version_dimensions(function, alias, version)
        with aws_errors("GetMetricStatistics", f"{function}:{alias} v{version} {metric}"):
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

    def version_health(self, function: str, alias: str, version: str, start: datetime, end: datetime) -> VersionHealth:
        """Errors and invocations of `version` when invoked through `function:alias`, between `start` and `end`."""
        return VersionHealth(
            errors=self._sum("Errors", function, alias, version, start, end),
            invocations=self._sum("Invocations", function, alias, version, start, end),
        )

    def alarms_in_alarm(self, names: Sequence[str]) -> list[str]:
        """Those of `names` whose state is ALARM right now."""
        if not names:
            return []
        with aws_errors("DescribeAlarms", ",".join(names)):
            out = self._cw.describe_alarms(AlarmNames=list(names))
        return sorted(a["AlarmName"] for a in out.get("MetricAlarms", []) if a.get("StateValue") == "ALARM")
