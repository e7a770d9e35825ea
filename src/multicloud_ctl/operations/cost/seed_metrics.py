"""Usage metrics for the sandbox, shaped like the ones AWS publishes, so `mcctl cost recommend` has input.

S3 storage and request metrics per bucket, Lambda Duration/Invocations per function, and DynamoDB hourly
consumed capacity per table (steady tables favour provisioned capacity, spiky ones on-demand). Deterministic
for a given seed; written to moto's CloudWatch by `mcctl cost seed`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

# bucket -> (stored GB, GET requests per day, average object MB)
BUCKET_USAGE = {
    "product_images": (180.0, 240000.0, 0.4),
    "static_assets": (12.0, 900000.0, 0.05),
    "artifacts": (420.0, 30.0, 8.0),
}
# function -> (average duration ms, invocations per day)
FUNCTION_USAGE = [(85.0, 420000.0), (140.0, 160000.0), (610.0, 90000.0), (45.0, 260000.0)]
# table -> (mean read CU/s, mean write CU/s, peak factor): spiky suits on-demand, steady provisioned
TABLE_USAGE = {
    "products": (220.0, 6.0, 1.3),
    "users": (40.0, 4.0, 1.4),
    "inventory": (90.0, 30.0, 1.5),
    "orders": (6.0, 3.0, 14.0),
    "idempotency": (3.0, 3.0, 9.0),
}


def usage_metrics(env: Any, now: datetime, *, days: int = 14, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """CloudWatch datapoints (per namespace) shaped like the ones AWS publishes, for the last `days` days."""
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {"AWS/S3": [], "AWS/Lambda": [], "AWS/DynamoDB": []}
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for attr, (gb, gets, _avg_mb) in BUCKET_USAGE.items():
        bucket = getattr(env.aws.buckets, attr)
        for d in range(1, days + 1):
            ts = midnight - timedelta(days=d)
            dims = [{"Name": "BucketName", "Value": bucket}]
            out["AWS/S3"] += [
                {
                    "MetricName": "BucketSizeBytes",
                    "Timestamp": ts,
                    "Unit": "Bytes",
                    "Value": gb * 1024**3,
                    "Dimensions": [*dims, {"Name": "StorageType", "Value": "StandardStorage"}],
                },
                {
                    "MetricName": "GetRequests",
                    "Timestamp": ts,
                    "Unit": "Count",
                    "Value": round(gets * rng.uniform(0.8, 1.2)),
                    "Dimensions": [*dims, {"Name": "FilterId", "Value": "EntireBucket"}],
                },
            ]
    for name, (ms, calls) in zip(env.aws.functions, FUNCTION_USAGE, strict=False):
        for d in range(1, days + 1):
            ts = midnight - timedelta(days=d)
            dims = [{"Name": "FunctionName", "Value": name}]
            out["AWS/Lambda"] += [
                {
                    "MetricName": "Duration",
                    "Timestamp": ts,
                    "Unit": "Milliseconds",
                    "Dimensions": dims,
                    "Value": ms * rng.uniform(0.9, 1.1),
                },
                {
                    "MetricName": "Invocations",
                    "Timestamp": ts,
                    "Unit": "Count",
                    "Dimensions": dims,
                    "Value": round(calls * rng.uniform(0.85, 1.15)),
                },
            ]
    for attr, (reads, writes, peak) in TABLE_USAGE.items():
        table = getattr(env.aws.tables, attr)
        for h in range(1, days * 24 + 1):
            ts = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=h)
            burst = peak if rng.random() < 0.04 else 1.0
            dims = [{"Name": "TableName", "Value": table}]
            for metric, mean in (
                ("ConsumedReadCapacityUnits", reads),
                ("ConsumedWriteCapacityUnits", writes),
            ):
                out["AWS/DynamoDB"].append(
                    {
                        "MetricName": metric,
                        "Timestamp": ts,
                        "Unit": "Count",
                        "Dimensions": dims,
                        "Value": round(mean * burst * rng.uniform(0.7, 1.3) * 3600, 1),
                    }
                )
    return out
