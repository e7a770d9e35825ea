"""CloudWatch alarms on every Lambda function's Errors and Throttles (primary region)."""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import (
    DesiredContext,
    KindSettings,
    ResourceKind,
    only_keys,
    tag_list,
)
from multicloud_ctl.operations.provision.model import Resource


class Settings(KindSettings):
    period_seconds: int = 300
    evaluation_periods: int = 1
    errors_threshold: float = 1.0
    throttles_threshold: float = 1.0
    alarm_topic_arn: str | None = None


class CloudWatchAlarm(ResourceKind):
    name = "cloudwatch_alarm"
    provider = "aws"
    settings = Settings
    description = "CloudWatch alarm on a Lambda function's Errors or Throttles"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        out = []
        for fn in ctx.env.aws.functions:
            for metric, threshold in (("Errors", s.errors_threshold), ("Throttles", s.throttles_threshold)):
                alarm = f"mcctl-{ctx.env.name}-{fn}-{metric.lower()}"
                attrs = {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": fn}],
                    "Statistic": "Sum",
                    "Period": s.period_seconds,
                    "EvaluationPeriods": s.evaluation_periods,
                    "Threshold": threshold,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [s.alarm_topic_arn] if s.alarm_topic_arn else [],
                    "tags": ctx.tags,
                }
                out.append(self.make(ctx, alarm, attrs, region=ctx.regions[0], inputs={"alarm": alarm}))
        return out

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.cloudwatch import CloudWatchAdmin

        return CloudWatchAdmin(runtime.aws, res.region)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cw = self._admin(runtime, res)
        alarm = cw.alarm(res.inputs["alarm"])
        if alarm is None:
            return None
        live = {k: alarm.get(k) for k in res.attrs if k != "tags"}
        live["tags"] = only_keys(cw.tags(alarm["AlarmArn"]), res.tags)
        return live

    def create(self, runtime: Any, res: Resource) -> Any:
        config = {k: v for k, v in res.attrs.items() if k != "tags"}
        self._admin(runtime, res).put_alarm(res.inputs["alarm"], config, tag_list(res.tags))
        return {"alarm": res.inputs["alarm"]}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        self.create(runtime, res)
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        self._admin(runtime, res).delete_alarm(res.inputs["alarm"])
        return {"deleted": res.inputs["alarm"]}
