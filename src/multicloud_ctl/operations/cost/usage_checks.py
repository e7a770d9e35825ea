"""Usage-metric checks for `mcctl cost recommend`: storage tiering, Lambda memory, DynamoDB capacity mode.

Prices are public on-demand list prices (us-east-1 / East US) and are stated here so every number can be
checked: S3 Standard vs Standard-IA (+ retrieval), Lambda per GB-second, DynamoDB on-demand request units vs
provisioned capacity-unit hours (p99 hour at 70 % target utilization), Blob Hot vs Cool.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from multicloud_ctl.operations.cost.recommendation import DAYS_MONTH, Recommendation

S3_STANDARD, S3_IA, S3_IA_READ = 0.023, 0.0125, 0.01  # $/GB-month, $/GB-month, $/GB retrieved
LAMBDA_GB_S = 0.0000166667
DDB_RRU, DDB_WRU = 0.125 / 1e6, 0.625 / 1e6  # on-demand per request unit
DDB_RCU_H, DDB_WCU_H = 0.00013, 0.00065  # provisioned per capacity-unit hour
BLOB_HOT, BLOB_COOL = 0.0184, 0.01
HOURS_MONTH = 730.0


def s3_tiering(cw: Any, buckets: dict[str, str], now: datetime) -> list[Recommendation]:
    out = []
    start = now - timedelta(days=14)
    for bucket in buckets.values():
        size = cw.statistic(
            "AWS/S3",
            "BucketSizeBytes",
            {"BucketName": bucket, "StorageType": "StandardStorage"},
            start=start,
            end=now,
            period=86400,
            statistic="Average",
        )
        gets = cw.statistic(
            "AWS/S3",
            "GetRequests",
            {"BucketName": bucket, "FilterId": "EntireBucket"},
            start=start,
            end=now,
            period=86400,
            statistic="Sum",
        )
        if not size:
            out.append(Recommendation("storage tiering", "AWS", f"s3://{bucket}: no storage metrics", None, "info"))
            continue
        gb = size[-1].value / 1024**3
        reads_month = statistics.mean(p.value for p in gets) * DAYS_MONTH if gets else 0.0
        per_gb = reads_month / gb if gb else 0.0
        # retrieval volume is bounded by reads x (stored GB / reads-per-object); use 1 GB read per 1k GETs/GB
        saving = gb * (S3_STANDARD - S3_IA) - min(reads_month / 1000.0, gb * 4) * S3_IA_READ
        if per_gb < 50 and saving > 0:
            out.append(
                Recommendation(
                    "storage tiering",
                    "AWS",
                    f"s3://{bucket}: {gb:,.0f} GB, {per_gb:,.1f} "
                    "GETs per GB-month: move to Standard-IA (or Intelligent-Tiering)",
                    saving,
                    "recommended",
                )
            )
        else:
            out.append(
                Recommendation(
                    "storage tiering",
                    "AWS",
                    f"s3://{bucket}: {gb:,.0f} GB, {per_gb:,.0f} GETs per GB-month: keep Standard",
                    0.0,
                    "ok",
                )
            )
    return out


def blob_tiering(blobs: list[Any], container: str, now: datetime) -> Recommendation:
    old = [b for b in blobs if b.last_modified and now - b.last_modified > timedelta(days=30)]
    total_gb = sum(b.size for b in blobs) / 1024**3
    old_gb = sum(b.size for b in old) / 1024**3
    if not old:
        return Recommendation(
            "storage tiering",
            "Azure",
            f"blob {container}: {len(blobs)} blobs ({total_gb:,.2f} GB), "
            "none older than 30 days; add a lifecycle rule (Hot -> Cool after 30 days) for backups",
            total_gb * (BLOB_HOT - BLOB_COOL),
            "info",
        )
    return Recommendation(
        "storage tiering",
        "Azure",
        f"blob {container}: {len(old)} backup blobs ({old_gb:,.2f} GB) unchanged for 30+ days in Hot: move to Cool",
        old_gb * (BLOB_HOT - BLOB_COOL),
        "recommended",
    )


def lambda_memory(cw: Any, functions: list[str], memory: dict[str, int], now: datetime) -> list[Recommendation]:
    out = []
    start = now - timedelta(days=14)
    for name in functions:
        dur = cw.statistic(
            "AWS/Lambda",
            "Duration",
            {"FunctionName": name},
            start=start,
            end=now,
            period=86400,
            statistic="Average",
        )
        calls = cw.statistic(
            "AWS/Lambda",
            "Invocations",
            {"FunctionName": name},
            start=start,
            end=now,
            period=86400,
            statistic="Sum",
        )
        if not dur or not calls:
            out.append(Recommendation("lambda memory", "AWS", f"{name}: no Duration/Invocations metrics", None, "info"))
            continue
        mb = memory.get(name, 1024)
        assumed = "" if name in memory else " (assumed; set recommend.lambda_memory_mb)"
        ms = statistics.mean(p.value for p in dur)
        monthly_calls = statistics.mean(p.value for p in calls) * DAYS_MONTH
        cost = monthly_calls * ms / 1000 * mb / 1024 * LAMBDA_GB_S
        if ms < 200 and mb > 512:
            saving = cost * (1 - 512 / mb)
            out.append(
                Recommendation(
                    "lambda memory",
                    "AWS",
                    f"{name}: {mb} MB{assumed}, avg {ms:.0f} ms: try 512 MB "
                    "(short, likely I/O-bound; verify duration after)",
                    saving,
                    "recommended",
                )
            )
        else:
            out.append(
                Recommendation(
                    "lambda memory",
                    "AWS",
                    f"{name}: {mb} MB{assumed}, avg {ms:.0f} ms, {cost:,.2f}/month compute: keep",
                    0.0,
                    "ok",
                )
            )
    return out


def dynamodb_mode(cw: Any, tables: dict[str, str], now: datetime) -> list[Recommendation]:
    out = []
    start = now - timedelta(days=14)
    for table in tables.values():
        series = {}
        for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"):
            series[metric] = [
                p.value
                for p in cw.statistic(
                    "AWS/DynamoDB",
                    metric,
                    {"TableName": table},
                    start=start,
                    end=now,
                    period=3600,
                    statistic="Sum",
                )
            ]
        reads, writes = series["ConsumedReadCapacityUnits"], series["ConsumedWriteCapacityUnits"]
        if not reads and not writes:
            out.append(
                Recommendation("dynamodb capacity", "AWS", f"{table}: no consumed-capacity metrics", None, "info")
            )
            continue
        hours = max(len(reads), len(writes))
        scale = HOURS_MONTH / hours
        on_demand = (sum(reads) * DDB_RRU + sum(writes) * DDB_WRU) * scale
        p99 = [sorted(s)[int(0.99 * (len(s) - 1))] / 3600 if s else 0.0 for s in (reads, writes)]
        provisioned = (max(1.0, p99[0] / 0.7) * DDB_RCU_H + max(1.0, p99[1] / 0.7) * DDB_WCU_H) * HOURS_MONTH
        if provisioned < 0.8 * on_demand:
            out.append(
                Recommendation(
                    "dynamodb capacity",
                    "AWS",
                    f"{table}: steady load; provisioned "
                    f"{provisioned:,.2f}/month vs on-demand {on_demand:,.2f}: switch to provisioned "
                    "with auto scaling",
                    on_demand - provisioned,
                    "recommended",
                )
            )
        else:
            out.append(
                Recommendation(
                    "dynamodb capacity",
                    "AWS",
                    f"{table}: spiky load; on-demand {on_demand:,.2f}"
                    f"/month vs provisioned {provisioned:,.2f}: keep on-demand",
                    0.0,
                    "ok",
                )
            )
    return out
