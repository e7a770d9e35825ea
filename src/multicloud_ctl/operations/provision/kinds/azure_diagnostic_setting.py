"""Diagnostic settings: every function app (both locations) sends its FunctionAppLogs and metrics to the
central Log Analytics workspace.

A diagnostic setting is an extension resource on the app: `{site}/providers/Microsoft.Insights/
diagnosticSettings/{name}`, with no location and no tags, so the app's tags govern its destroy (and deleting
the app takes it along). `FunctionAppLogs` is the function apps' log category and `AllMetrics` their metric
category ("Supported logs for Microsoft.Web/sites", "Supported metrics with Azure Monitor",
learn.microsoft.com); the logs land in the workspace's resource-specific `FunctionAppLogs` table. On the
sandbox the Azure functions host's log file is shipped by `mcctl logs ship` instead (shipper.py).
"""

from __future__ import annotations

from pydantic import Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_function_app import AzureFunctionApp
from multicloud_ctl.operations.provision.kinds.azure_log_workspace import workspace_address, workspace_id

API = "2021-05-01-preview"


class Settings(KindSettings):
    setting_name: str = Field(default="mcctl-logs", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    log_categories: list[str] = Field(default=["FunctionAppLogs"], min_length=1)
    metrics: bool = Field(default=True, description="Send AllMetrics too")
    apps: list[str] | None = None  # default: every function app of the environment


class AzureDiagnosticSetting(ArmKind):
    name = "azure_diagnostic_setting"
    api_version = API
    settings = Settings
    description = "Diagnostic setting per function app: FunctionAppLogs and metrics to the workspace"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        out = []
        for loc in ctx.azure_locations:
            for base in s.apps if s.apps is not None else ctx.env.azure.function_apps:
                app = suffix(ctx, base, loc)
                site = arm_id(ctx, group_for(ctx, loc), f"Microsoft.Web/sites/{app}")
                props: dict[str, object] = {
                    "workspaceId": workspace_id(ctx),
                    "logs": [{"category": c, "enabled": True} for c in s.log_categories],
                }
                if s.metrics:
                    props["metrics"] = [{"category": "AllMetrics", "enabled": True}]
                out.append(
                    ArmSpec(
                        f"{app}/{s.setting_name}",
                        f"{site}/providers/Microsoft.Insights/diagnosticSettings/{s.setting_name}",
                        {"properties": props},
                        depends_on=(f"{AzureFunctionApp.name}/{app}", workspace_address(ctx)),
                        owner=site,
                        extra={"owner_api_version": AzureFunctionApp.api_version},
                    )
                )
        return out
