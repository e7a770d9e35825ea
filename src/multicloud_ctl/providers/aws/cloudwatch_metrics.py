"""A thin typed client over CloudWatch metric statistics and listings (read) and metric data (sandbox seeding).

`mcctl cost recommend` reads usage metrics AWS publishes by itself (S3 storage and request metrics, Lambda
Duration/Invocations, DynamoDB consumed capacity); `mcctl metrics` lists which functions published any
(`dimension_values`). Errors are mapped like every AWS client here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from multicloud_ctl.providers.aws.cost_explorer import mapped_errors


@dataclass(frozen=True)
class Datapoint:
    """One aggregated metric value."""

    timestamp: datetime
    value: float


@dataclass(frozen=True)
class CloudWatchMetrics:
    """The CloudWatch metric calls mcctl uses, over one boto3 client."""

    client: Any

    def statistic(
        self,
        namespace: str,
        metric: str,
        dimensions: dict[str, str],
        *,
        start: datetime,
        end: datetime,
        period: int,
        statistic: str = "Sum",
    ) -> list[Datapoint]:
        """Datapoints of one statistic over [start, end), oldest first."""
        with mapped_errors("get_metric_statistics"):
            answer = self.client.get_metric_statistics(
                Namespace=namespace,
                MetricName=metric,
                Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
                StartTime=start,
                EndTime=end,
                Period=period,
                Statistics=[statistic],
            )
        points = [Datapoint(p["Timestamp"], float(p[statistic])) for p in answer.get("Datapoints", [])]
        return sorted(points, key=lambda p: p.timestamp)

    def dimension_values(self, namespace: str, metric: str, dimension: str) -> list[str]:
        """The values of `dimension` among the metrics named `metric` in `namespace`, sorted and distinct."""
        from multicloud_ctl.providers.aws.errors import aws_errors

        with aws_errors("ListMetrics", namespace):
            pages = self.client.get_paginator("list_metrics").paginate(Namespace=namespace, MetricName=metric)
            listed = [m for page in pages for m in page.get("Metrics", [])]
        return sorted({d["Value"] for m in listed for d in m.get("Dimensions", []) if d["Name"] == dimension})

    def put(self, namespace: str, data: Iterable[dict[str, Any]], *, batch: int = 500) -> int:
        """Publish metric data (used by the sandbox seed only); returns the number of datapoints sent."""
        items: Sequence[dict[str, Any]] = list(data)
        for i in range(0, len(items), batch):
            with mapped_errors("put_metric_data"):
                self.client.put_metric_data(Namespace=namespace, MetricData=list(items[i : i + batch]))
        return len(items)
