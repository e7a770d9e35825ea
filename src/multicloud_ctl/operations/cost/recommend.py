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

from datetime import date, datetime, timedelta
from typing import Any

from multicloud_ctl.config.specs.cost import CostSpec
from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.recommendation import Recommendation, commitments, from_bills, unavailable
from multicloud_ctl.operations.cost.usage_checks import blob_tiering, dynamodb_mode, lambda_memory, s3_tiering


def recommend(
    runtime: Any,
    spec: CostSpec,
    sources: Any,
    *,
    today: date,
    clouds: tuple[str, ...],
    now: datetime | None = None,
) -> list[Recommendation]:
    """Every check for the clouds asked for; a failing data source becomes an `unavailable` line.

    `runtime` is an engine Runtime (its AWS/Azure client factories; a dry-run one proves nothing is changed).
    """
    from multicloud_ctl.providers.aws.cloudwatch_metrics import CloudWatchMetrics

    env = runtime.environment
    now = now or runtime.clock()
    out: list[Recommendation] = []
    if "aws" in clouds:
        cw = CloudWatchMetrics(runtime.aws.client("cloudwatch"))
        memory = spec.recommend.lambda_memory_mb
        checks = (
            ("storage tiering", lambda: s3_tiering(cw, env.aws.buckets.model_dump(), now)),
            ("lambda memory", lambda: lambda_memory(cw, env.aws.functions, memory, now)),
            ("dynamodb capacity", lambda: dynamodb_mode(cw, env.aws.tables.model_dump(), now)),
        )
        for area, check in checks:
            try:
                out += check()
            except McctlError as exc:
                out.append(unavailable(area, "AWS", Exception(exc.message)))
    if "azure" in clouds:
        container = env.azure.storage.backups_container
        try:
            from multicloud_ctl.providers.azure.blob import backup_container

            blobs = list(backup_container(runtime, container).list(metadata=False))
            out.append(blob_tiering(blobs, container, now))
        except Exception as exc:  # Azurite down or container missing: say so, do not guess
            out.append(unavailable("storage tiering", "Azure", Exception(f"blob listing failed: {exc}")))
    out += commitments(sources.aws, sources.azure, env.azure.subscription_id)
    period = Period(today - timedelta(days=29), today + timedelta(days=1))
    data = sources.fetch(period, policy=spec.currency)
    standby = {c: r for c, r in spec.recommend.idle_standby_regions.items() if c in clouds}
    out += from_bills(data.records, standby, period.days)
    return out
