"""CloudWatch alarms on every Lambda function's Errors and Throttles (primary region), and on the CDC Lambda's
progress: its IteratorAge (how old the last record it processed was: the sync's RPO in the cloud) and the depth
of the CDC failure queue (batches Lambda gave up on, waiting for `mcctl sync replay`).

IteratorAge is published in milliseconds under the {FunctionName} dimension set, as Maximum per period being
the figure to alarm on ("Using CloudWatch metrics with Lambda": streaming invocation metrics).
"""

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
    cdc_function: str | None = "cdc-sync"
    iterator_age_threshold_seconds: float = 300.0
    iterator_age_evaluation_periods: int = 5


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
        if s.cdc_function:
            out += self._cdc_alarms(ctx, s, s.cdc_function)
        return out

    def _cdc_alarms(self, ctx: DesiredContext, s: Settings, fn: str) -> list[Resource]:
        actions = [s.alarm_topic_arn] if s.alarm_topic_arn else []
        age = f"mcctl-{ctx.env.name}-{fn}-iterator-age"
        failed = f"mcctl-{ctx.env.name}-{fn}-failed-batches"
        specs = {
            age: {
                "Namespace": "AWS/Lambda",
                "MetricName": "IteratorAge",
                "Dimensions": [{"Name": "FunctionName", "Value": fn}],
                "Statistic": "Maximum",
                "Period": 60,
                "EvaluationPeriods": s.iterator_age_evaluation_periods,
                "Threshold": s.iterator_age_threshold_seconds * 1000.0,  # IteratorAge is in milliseconds
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",  # no invocation: no backlog to measure
                "AlarmActions": actions,
                "tags": ctx.tags,
            },
            failed: {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": ctx.env.aws.cdc_failure_queue}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1.0,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": actions,
                "tags": ctx.tags,
            },
        }
        return [self.make(ctx, n, a, region=ctx.regions[0], inputs={"alarm": n}) for n, a in specs.items()]

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.cloudwatch import CloudWatchAdmin

        return CloudWatchAdmin(runtime.aws, res.region)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        cw = self._admin(runtime, res)
        name, prefix = res.inputs["alarm"], f"mcctl-{runtime.environment.name}-"
        # the environment's alarms in one paged DescribeAlarms, not a call per alarm
        alarm = cw.alarms_with_prefix(prefix).get(name) if name.startswith(prefix) else cw.alarm(name)
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
