"""Alert rules of the Observability playbook, provisioned on both clouds, and their state.

`plan_alerts` compares each rule with what exists (read-only) and plans a put for every missing or
different one: a CloudWatch alarm on `AWS/Lambda` (FunctionName = service) or an Azure Monitor metric alert
(`Microsoft.Insights/metricAlerts`, scoped to the function app) through ARM. `alert_states` reads them back:
CloudWatch's own StateValue, and for both clouds mcctl's evaluation of the rule over the metrics it pulls
(`firing`/`ok`/`no data`) -- the sandbox's emulators do not evaluate alarms themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.engine.plan import Plan, Step

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.observability import AlertRule, ObservabilitySpec
    from multicloud_ctl.engine.runtime import Runtime

AWS_METRIC = {
    "errors": ("Errors", "Sum"),
    "invocations": ("Invocations", "Sum"),
    "duration_avg_ms": ("Duration", "Average"),
}
AZURE_METRIC = {
    "errors": ("FunctionErrors", "Total"),
    "invocations": ("FunctionExecutionCount", "Total"),
    "duration_avg_ms": ("FunctionExecutionDurationMs", "Average"),
}
AWS_OP = {
    "gt": "GreaterThanThreshold",
    "ge": "GreaterThanOrEqualToThreshold",
    "lt": "LessThanThreshold",
    "le": "LessThanOrEqualToThreshold",
}
AZURE_OP = {"gt": "GreaterThan", "ge": "GreaterThanOrEqual", "lt": "LessThan", "le": "LessThanOrEqual"}
ALERT_API = "2018-03-01"


def alarm_config(rule: AlertRule) -> dict[str, Any]:
    metric, stat = AWS_METRIC[rule.metric]
    return {
        "AlarmDescription": rule.description or rule.name,
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": rule.service}],
        "Statistic": stat,
        "Period": rule.period_s,
        "EvaluationPeriods": rule.evaluation_periods,
        "Threshold": rule.threshold,
        "ComparisonOperator": AWS_OP[rule.comparison],
        "TreatMissingData": "notBreaching",
    }


def alert_id(runtime: Runtime, rule: AlertRule) -> str:
    az = runtime.environment.azure
    return (
        f"/subscriptions/{az.subscription_id}/resourceGroups/{az.resource_group}"
        f"/providers/Microsoft.Insights/metricAlerts/{rule.name}"
    )


def alert_body(runtime: Runtime, rule: AlertRule) -> dict[str, Any]:
    from multicloud_ctl.operations.observability.platform_metrics import site_id

    metric, agg = AZURE_METRIC[rule.metric]
    window = f"PT{max(1, rule.period_s // 60)}M"
    return {
        "location": "global",
        "tags": runtime.environment.resource_tags(),
        "properties": {
            "description": rule.description or rule.name,
            "severity": rule.severity,
            "enabled": True,
            "scopes": [site_id(runtime, rule.service)],
            "evaluationFrequency": "PT1M",
            "windowSize": window,
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [
                    {
                        "name": "c1",
                        "metricName": metric,
                        "metricNamespace": "mcctl",
                        "operator": AZURE_OP[rule.comparison],
                        "threshold": rule.threshold,
                        "timeAggregation": agg,
                        "criterionType": "StaticThresholdCriterion",
                    }
                ],
            },
        },
    }


def _current(runtime: Runtime, rule: AlertRule) -> dict[str, Any] | None:
    if rule.cloud == "aws":
        from multicloud_ctl.providers.aws.cloudwatch import CloudWatchAdmin

        return CloudWatchAdmin(runtime.aws, runtime.environment.aws.regions.primary).alarm(rule.name)
    from multicloud_ctl.providers.azure.resources import ArmResources

    return ArmResources(runtime.azure).get(alert_id(runtime, rule), ALERT_API)


def _differs(runtime: Runtime, rule: AlertRule, current: dict[str, Any]) -> bool:
    if rule.cloud == "aws":
        want = alarm_config(rule)
        return any(current.get(k) != v for k, v in want.items())
    want_props = alert_body(runtime, rule)["properties"]
    props = current.get("properties") or {}
    return any(props.get(k) != v for k, v in want_props.items())


@ACTIONS.register("alerts.put")
def put_alert(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    from multicloud_ctl.config.specs.observability import AlertRule

    rule = AlertRule.model_validate(params["rule"])
    if rule.cloud == "aws":
        from multicloud_ctl.providers.aws.cloudwatch import CloudWatchAdmin

        tags = [{"Key": k, "Value": v} for k, v in runtime.environment.resource_tags().items()]
        CloudWatchAdmin(runtime.aws, runtime.environment.aws.regions.primary).put_alarm(
            rule.name, alarm_config(rule), tags
        )
        return {"alarm": rule.name}
    from multicloud_ctl.providers.azure.resources import ArmResources

    ArmResources(runtime.azure).put(alert_id(runtime, rule), ALERT_API, alert_body(runtime, rule))
    return {"metric_alert": alert_id(runtime, rule)}


def plan_alerts(runtime: Runtime, spec: ObservabilitySpec) -> Plan:
    steps = []
    for rule in spec.alerts:
        current = _current(runtime, rule)
        if current is not None and not _differs(runtime, rule, current):
            continue
        kind = "CloudWatch alarm" if rule.cloud == "aws" else "Azure Monitor metric alert"
        verb = "create" if current is None else "update"
        steps.append(
            Step(
                f"{rule.cloud}:{rule.name}",
                "alerts.put",
                f"{verb} {kind} {rule.name} ({rule.metric} of {rule.service} {rule.comparison} {rule.threshold:g})",
                provider=rule.cloud,
                params={"rule": rule.model_dump(mode="json")},
                resource=rule.name,
            )
        )
    return Plan("alerts apply", tuple(steps), summary={"rules": len(spec.alerts), "changes": len(steps)})


def _breaches(rule: AlertRule, value: float) -> bool:
    return {
        "gt": value > rule.threshold,
        "ge": value >= rule.threshold,
        "lt": value < rule.threshold,
        "le": value <= rule.threshold,
    }[rule.comparison]


def evaluate(rule: AlertRule, data: dict[str, Any]) -> tuple[str, float | None]:
    """(firing | ok | no data, the observed value) from `metrics.collect` output over the rule's window."""
    row = next((f for f in data["functions"] if f["cloud"] == rule.cloud and f["service"] == rule.service), None)
    if row is None:
        return ("firing", 0.0) if rule.metric == "invocations" and _breaches(rule, 0.0) else ("no data", None)
    value = {"errors": row["errors"], "invocations": row["invocations"], "duration_avg_ms": row["avg_ms"]}[rule.metric]
    if value is None:
        return "no data", None
    return ("firing" if _breaches(rule, float(value)) else "ok"), float(value)


def alert_states(runtime: Runtime, spec: ObservabilitySpec) -> list[dict[str, Any]]:
    from multicloud_ctl.operations.observability.metrics import collect

    by_window: dict[int, dict[str, Any]] = {}
    out = []
    for rule in spec.alerts:
        window = rule.period_s * rule.evaluation_periods
        if window not in by_window:
            by_window[window] = collect(runtime, timedelta(seconds=window))
        current = _current(runtime, rule)
        cloud_state = "missing"
        if current is not None:
            cloud_state = str(
                current.get("StateValue")
                or ("enabled" if (current.get("properties") or {}).get("enabled") else "disabled")
            )
        state, value = evaluate(rule, by_window[window])
        out.append(
            {
                "name": rule.name,
                "cloud": rule.cloud,
                "service": rule.service,
                "metric": rule.metric,
                "condition": f"{rule.comparison} {rule.threshold:g}",
                "provisioned": current is not None,
                "cloud_state": cloud_state,
                "evaluated": state,
                "value": value,
            }
        )
    return out
