"""`mcctl cost recommend`: savings found in usage metrics, the bills and the clouds' recommendation APIs.

Each check states its method and the list prices it assumes (us-east-1 / East US, public on-demand rates).
A check whose data source does not answer says `unavailable` with the reason, never a made-up number:
- storage tiering: S3 size and GET requests (CloudWatch) -> Standard-IA when reads per stored GB are low;
  Blob: backup blobs in Hot older than 30 days -> Cool (from the container listing).
- Lambda memory: CloudWatch Duration/Invocations; short functions above 512 MB are candidates to shrink.
- DynamoDB capacity mode: hourly consumed capacity (14 days) priced on-demand vs provisioned (p99 hour at
  70 % target utilization).
- commitments: Cost Explorer Savings Plans / reservation purchase recommendations, Azure benefit
  recommendations.
- data transfer (AWS Data Transfer, Azure Bandwidth) and the idle standby region, from 30 days of bills.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from multicloud_ctl.config.specs.cost import CostSpec
from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations.cost.period import Period

S3_STANDARD, S3_IA, S3_IA_READ = 0.023, 0.0125, 0.01  # $/GB-month, $/GB-month, $/GB retrieved
LAMBDA_GB_S = 0.0000166667
DDB_RRU, DDB_WRU = 0.125 / 1e6, 0.625 / 1e6  # on-demand per request unit
DDB_RCU_H, DDB_WCU_H = 0.00013, 0.00065  # provisioned per capacity-unit hour
BLOB_HOT, BLOB_COOL = 0.0184, 0.01
HOURS_MONTH, DAYS_MONTH = 730.0, 30.4


@dataclass
class Recommendation:
    """One finding."""

    area: str
    provider: str
    finding: str
    monthly_saving: float | None
    status: str  # recommended | ok | info | unavailable
    currency: str = "USD"

    @property
    def saving_text(self) -> str:
        return "-" if self.monthly_saving is None else f"{self.monthly_saving:,.2f} {self.currency}"


def _unavailable(area: str, provider: str, exc: Exception) -> Recommendation:
    return Recommendation(area, provider, f"data source unavailable: {exc}", None, "unavailable")


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
            out.append(
                Recommendation("storage tiering", "AWS", f"s3://{bucket}: no storage metrics", None, "info")
            )
            continue
        gb = size[-1].value / 1024**3
        reads_month = statistics.mean(p.value for p in gets) * DAYS_MONTH if gets else 0.0
        per_gb = reads_month / gb if gb else 0.0
        # retrieval volume is bounded by reads x (stored GB / reads-per-object); use 1 GB read per 1k GETs/GB
        saving = gb * (S3_STANDARD - S3_IA) - min(reads_month / 1000.0, gb * 4) * S3_IA_READ
        if per_gb < 50 and saving > 0.5:
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
                    f"s3://{bucket}: {gb:,.0f} GB read {per_gb:,.0f} times per GB-month: keep Standard",
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
        f"blob {container}: {len(old)} backup blobs "
        f"({old_gb:,.2f} GB) unchanged for 30+ days in Hot: move to Cool",
        old_gb * (BLOB_HOT - BLOB_COOL),
        "recommended",
    )


def lambda_memory(
    cw: Any, functions: list[str], memory: dict[str, int], now: datetime
) -> list[Recommendation]:
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
            out.append(
                Recommendation(
                    "lambda memory", "AWS", f"{name}: no Duration/Invocations metrics", None, "info"
                )
            )
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
                Recommendation(
                    "dynamodb capacity", "AWS", f"{table}: no consumed-capacity metrics", None, "info"
                )
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


def commitments(ce: Any | None, cm: Any | None, subscription: str) -> list[Recommendation]:
    out = []
    if ce is not None:
        for label, call in (
            ("Compute Savings Plan", ce.savings_plans_recommendation),
            ("DynamoDB reserved capacity", lambda: ce.reservation_recommendation("Amazon DynamoDB")),
        ):
            try:
                answer = call()
                details = (
                    answer.get("SavingsPlansPurchaseRecommendation") or answer.get("Recommendations") or {}
                )
                summary = (
                    details.get("SavingsPlansPurchaseRecommendationSummary", {})
                    if isinstance(details, dict)
                    else {}
                )
                saving = float(summary.get("EstimatedMonthlySavingsAmount", 0) or 0)
                out.append(
                    Recommendation(
                        "commitments",
                        "AWS",
                        f"{label}: Cost Explorer recommendation",
                        saving,
                        "recommended" if saving > 0 else "ok",
                    )
                )
            except McctlError as exc:
                out.append(_unavailable("commitments", "AWS", Exception(f"{label}: {exc.message}")))
    if cm is not None:
        try:
            recs = cm.benefit_recommendations(f"subscriptions/{subscription}")
            if not recs:
                out.append(
                    Recommendation(
                        "commitments",
                        "Azure",
                        "no savings plan / reservation recommendation returned for the subscription",
                        None,
                        "ok",
                    )
                )
            for r in recs:
                props = getattr(r, "properties", None)
                saving = getattr(getattr(props, "recommendation_details", None), "savings_amount", None)
                out.append(
                    Recommendation(
                        "commitments",
                        "Azure",
                        f"benefit recommendation {getattr(r, 'name', '')}",
                        float(saving) if saving is not None else None,
                        "recommended",
                    )
                )
        except McctlError as exc:
            out.append(_unavailable("commitments", "Azure", Exception(exc.message)))
    return out


def from_bills(records: list[Any], standby: dict[str, str], days: int) -> list[Recommendation]:
    scale = DAYS_MONTH / days
    out = []
    for cloud, label, service in (("aws", "AWS", "AWS Data Transfer"), ("azure", "Azure", "Bandwidth")):
        by_cur: dict[str, float] = {}
        for r in records:
            if r.cloud == cloud and r.service == service:
                by_cur[r.currency] = by_cur.get(r.currency, 0.0) + r.billed
        for cur, amount in sorted(by_cur.items()):
            out.append(
                Recommendation(
                    "data transfer",
                    label,
                    f"{service}: {amount * scale:,.2f} {cur}/month "
                    "(cross-region replication, CDC and backup traffic); compress CDC batches and "
                    "keep backups' reads in-region",
                    None,
                    "info",
                    cur,
                )
            )
    for cloud, region in standby.items():
        by_cur = {}
        for r in records:
            if r.cloud == cloud and r.region == region:
                by_cur[r.currency] = by_cur.get(r.currency, 0.0) + r.billed
        label = "AWS" if cloud == "aws" else "Azure"
        for cur, amount in sorted(by_cur.items()) or [("USD", 0.0)]:
            out.append(
                Recommendation(
                    "idle standby",
                    label,
                    f"warm standby in {region}: {amount * scale:,.2f} "
                    f"{cur}/month (the price of the failover RTO)",
                    None,
                    "info",
                    cur,
                )
            )
    return out


def recommend(
    env: Any,
    spec: CostSpec,
    sources: Any,
    *,
    today: date,
    clouds: tuple[str, ...],
    now: datetime | None = None,
) -> list[Recommendation]:
    """Every check for the clouds asked for; a failing data source becomes an `unavailable` line."""
    now = now or datetime.now(UTC)
    out: list[Recommendation] = []
    if "aws" in clouds:
        from multicloud_ctl.config.secrets import SecretResolver
        from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics
        from multicloud_ctl.providers.aws.session import AwsClients

        cw = CloudWatchMetrics(AwsClients(env, SecretResolver()).client("cloudwatch"))
        buckets = env.aws.buckets.model_dump()
        tables = env.aws.tables.model_dump()
        for area, check in (
            ("storage tiering", lambda: s3_tiering(cw, buckets, now)),
            (
                "lambda memory",
                lambda: lambda_memory(cw, env.aws.functions, spec.recommend.lambda_memory_mb, now),
            ),
            ("dynamodb capacity", lambda: dynamodb_mode(cw, tables, now)),
        ):
            try:
                out += check()
            except McctlError as exc:
                out.append(_unavailable(area, "AWS", Exception(exc.message)))
    if "azure" in clouds:
        try:
            from multicloud_ctl.config.secrets import SecretResolver
            from multicloud_ctl.providers.azure.blob import backup_container

            container = env.azure.storage.backups_container
            blobs = list(
                backup_container(env, SecretResolver(), container, dry_run=True).list(metadata=False)
            )
            out.append(blob_tiering(blobs, container, now))
        except Exception as exc:  # Azurite down or container missing: say so, do not guess
            out.append(_unavailable("storage tiering", "Azure", Exception(f"blob listing failed: {exc}")))
    out += commitments(sources.aws, sources.azure, env.azure.subscription_id)
    period = Period(today - timedelta(days=29), today + timedelta(days=1))
    data = sources.fetch(period, policy=spec.currency)
    out += from_bills(
        data.records,
        {c: r for c, r in spec.recommend.idle_standby_regions.items() if c in clouds},
        period.days,
    )
    return out
