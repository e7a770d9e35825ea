"""CloudWatch `dimension_values` and the SQS queue-depth gauge against moto (`mcctl metrics`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from multicloud_ctl.engine.runtime import Runtime
from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def boto(aws: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=aws, region_name=REGION)


def test_cloudwatch_dimension_values(local_env: Any, aws: str) -> None:
    now = datetime.now(UTC)
    cw = boto(aws, "cloudwatch")
    for fn in ("orders", "products", "orders"):
        cw.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": fn}],
                    "Timestamp": now,
                    "Value": 1.0,
                }
            ],
        )
    cw.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {"MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": "payments"}], "Value": 1.0}
        ],
    )
    metrics = CloudWatchMetrics(Runtime(local_env).aws.client("cloudwatch"))
    assert metrics.dimension_values("AWS/Lambda", "Invocations", "FunctionName") == ["orders", "products"]
    assert metrics.dimension_values("AWS/Lambda", "Invocations", "Resource") == []
    assert metrics.dimension_values("AWS/S3", "BucketSizeBytes", "BucketName") == []


def test_metrics_queue_gauges_read_depth_and_mark_missing_queues(local_env: Any, aws: str) -> None:
    from multicloud_ctl.operations.observability.metrics import _gauges

    queues = local_env.aws.queues
    sqs = boto(aws, "sqs")
    url = sqs.create_queue(QueueName=queues.orders)["QueueUrl"]
    sqs.create_queue(QueueName=queues.payments)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    rt = Runtime(local_env, dry_run=True)
    depth = {row["gauge"]: row["value"] for row in _gauges(rt) if row["gauge"].startswith("queue depth")}
    assert depth == {
        f"queue depth {queues.orders}": 3.0,
        f"queue depth {queues.payments}": 0.0,
        f"queue depth {queues.notifications}": None,
        f"queue depth {queues.analytics}": None,
    }
    assert rt.aws.counter.blocked == 0
