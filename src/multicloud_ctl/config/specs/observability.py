"""Spec of the Observability playbook kind: where logs go (CloudWatch Logs -> Log Analytics) and how
`mcctl logs` reads them back.

    apiVersion: mcctl/v1
    kind: Observability
    metadata: {name: observability}
    spec:
      log_shipping:
        log_group_prefix: /aws/lambda/
        dcr_immutable_id: dcr-mcctl-functions
        stream: Custom-McctlFunctions
        workspace_id: mcctl-logs
"""

from __future__ import annotations

from pydantic import Field

from multicloud_ctl.config.specs.base import Spec


class LogShipping(Spec):
    """CloudWatch Logs groups -> the Logs Ingestion API (a data collection rule's stream) -> a workspace table."""

    log_group_prefix: str = Field(default="/aws/lambda/", description="CloudWatch log groups to ship")
    dcr_immutable_id: str = Field(default="dcr-mcctl-functions", pattern=r"^dcr-[A-Za-z0-9-]+$")
    stream: str = Field(default="Custom-McctlFunctions", pattern=r"^Custom-[A-Za-z0-9_-]+$")
    ingestion_endpoint: str | None = Field(
        default=None, description="Data collection endpoint URL (the sandbox uses its fake ARM endpoint)"
    )
    workspace_id: str = Field(default="mcctl-logs", description="Log Analytics workspace (customer) id")
    table: str = Field(default="McctlFunctions_CL", pattern=r"^[A-Za-z0-9_]+_CL$")
    batch: int = Field(default=500, ge=1, le=10000)


class ObservabilitySpec(Spec):
    """Log shipping and the central log store."""

    log_shipping: LogShipping = LogShipping()
