"""Spec of the Observability playbook kind: where logs go (CloudWatch Logs -> Log Analytics) and how
`mcctl logs` reads them back.

    apiVersion: mcctl/v1
    kind: Observability
    metadata: {name: observability}
    spec:
      log_shipping:
        log_group_prefix: /aws/lambda/
        stream: Custom-McctlFunctions
        workspace_id: mcctl-logs
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from multicloud_ctl.config.specs.base import Spec


class LogShipping(Spec):
    """CloudWatch Logs groups -> the Logs Ingestion API (a data collection rule's stream) -> a workspace table."""

    log_group_prefix: str = Field(default="/aws/lambda/", description="CloudWatch log groups to ship")
    dcr_immutable_id: str | None = Field(
        default=None,
        pattern=r"^dcr-[A-Za-z0-9-]+$",
        description="The data collection rule's immutable id (default: the rule mcctl provision made)",
    )
    stream: str = Field(default="Custom-McctlFunctions", pattern=r"^Custom-[A-Za-z0-9_-]+$")
    ingestion_endpoint: str | None = Field(
        default=None,
        description="Data collection endpoint URL (default: the provisioned endpoint's; the sandbox's fake ARM)",
    )
    workspace_id: str = Field(default="mcctl-logs", description="Log Analytics workspace (customer) id")
    table: str = Field(default="McctlFunctions_CL", pattern=r"^[A-Za-z0-9_]+_CL$")
    batch: int = Field(default=500, ge=1, le=10000)


class AlertRule(Spec):
    """One alert on a function metric, provisioned as a CloudWatch alarm (aws) or an Azure Monitor metric
    alert rule through ARM (azure)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    cloud: Literal["aws", "azure"]
    service: str = Field(description="FunctionName on AWS, the function app on Azure")
    metric: Literal["errors", "invocations", "duration_avg_ms"] = "errors"
    comparison: Literal["gt", "ge", "lt", "le"] = "gt"
    threshold: float = 0
    period_s: int = Field(default=300, ge=60, le=86400)
    evaluation_periods: int = Field(default=1, ge=1, le=100)
    severity: int = Field(default=2, ge=0, le=4, description="Azure severity 0 (critical) .. 4 (verbose)")
    description: str = ""


class ObservabilitySpec(Spec):
    """Log shipping, the central log store and the alert rules of both clouds."""

    log_shipping: LogShipping = LogShipping()
    alerts: list[AlertRule] = []

    @model_validator(mode="after")
    def _unique_alert_names(self) -> ObservabilitySpec:
        names = [a.name for a in self.alerts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate alert names: {', '.join(dupes)}")
        return self
