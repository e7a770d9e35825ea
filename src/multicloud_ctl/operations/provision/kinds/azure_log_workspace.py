"""The central Log Analytics workspace (seed: "All logs aggregated in Azure Log Analytics") and the custom
table `mcctl logs ship` fills through the data collection rule.

One workspace, in the primary location, for both clouds and both regions: it is the central store, so the
secondary location's function apps send their diagnostic logs to it too (a diagnostic setting may name a
workspace in another region). A custom table must exist before a data collection rule may send to it,
carries the `_CL` suffix and a `TimeGenerated` column ("Add or delete tables and columns in Azure Monitor
Logs", learn.microsoft.com): its columns are the fields of the functions' JSON log lines
(functions/observability/jsonlog.py) plus the shipper's `source`. The table cannot carry tags: the
workspace's tags govern its destroy.
"""

from __future__ import annotations

from pydantic import Field

from multicloud_ctl.config.specs.observability import LogShipping
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2022-10-01"
# the JSON log line's fields (jsonlog.py) + `source` (the shipper's); every one a string but TimeGenerated
LOG_COLUMNS = (
    "timestamp",
    "level",
    "service",
    "cloud",
    "region",
    "trace_id",
    "span_id",
    "order_id",
    "logger",
    "message",
    "exc",
    "source",
)
DEFAULT_TABLE: str = LogShipping.model_fields["table"].default


class Settings(KindSettings):
    sku: str = "PerGB2018"
    retention_days: int = Field(default=30, ge=30, le=730, description="Interactive retention of every table")
    table: str = Field(
        default=DEFAULT_TABLE,
        pattern=r"^[A-Za-z0-9_]+_CL$",
        description="The custom table of the shipped log lines (the Observability playbook's log_shipping.table)",
    )


def workspace_name(ctx: DesiredContext) -> str:
    return f"mcctl-{ctx.env.name}-logs"


def workspace_id(ctx: DesiredContext) -> str:
    path = f"Microsoft.OperationalInsights/workspaces/{workspace_name(ctx)}"
    return arm_id(ctx, ctx.env.azure.resource_group, path)


def workspace_address(ctx: DesiredContext) -> str:
    return f"{AzureLogWorkspace.name}/{workspace_name(ctx)}"


def table_address(ctx: DesiredContext) -> str:
    s: Settings = ctx.settings(AzureLogWorkspace.name)
    return f"{workspace_address(ctx)}/{s.table}"


class AzureLogWorkspace(ArmKind):
    name = "azure_log_workspace"
    api_version = API
    settings = Settings
    description = "Log Analytics workspace (the central log store) and the custom table logs ship fills"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        primary = ctx.env.azure.regions.primary
        ws = workspace_id(ctx)
        columns = [{"name": "TimeGenerated", "type": "dateTime"}] + [{"name": c, "type": "string"} for c in LOG_COLUMNS]
        return [
            ArmSpec(
                workspace_name(ctx),
                ws,
                {
                    "location": primary,
                    "tags": ctx.tags,
                    "properties": {
                        "sku": {"name": s.sku},
                        "retentionInDays": s.retention_days,
                        "features": {"enableLogAccessUsingOnlyResourcePermissions": True},
                    },
                },
                depends_on=(group_address(ctx, primary),),
            ),
            ArmSpec(
                f"{workspace_name(ctx)}/{s.table}",
                f"{ws}/tables/{s.table}",
                {"properties": {"plan": "Analytics", "schema": {"name": s.table, "columns": columns}}},
                depends_on=(workspace_address(ctx),),
                owner=ws,
            ),
        ]
