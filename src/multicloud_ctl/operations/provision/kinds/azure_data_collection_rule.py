"""The data collection rule `mcctl logs ship` uploads through: its custom stream into the workspace's table.

The rule declares the stream the shipper sends (`Custom-McctlFunctions`, the Observability playbook's
`log_shipping.stream`) with the log line's columns, and one data flow from it into the custom table
(`outputStream: Custom-<table>`, the transform `source` keeping every column). ARM assigns the rule an
`immutableId` (`dcr-<32 hex>`): that, not the name, is what the Logs Ingestion API is called with, so logs
ship reads it from the provisioned rule (operations/observability/ingestion_target.py) unless the playbook
names one. Same location as its endpoint and its workspace (see azure_data_collection_endpoint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from multicloud_ctl.config.specs.observability import LogShipping
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_data_collection_endpoint import (
    AzureDataCollectionEndpoint,
    endpoint_id,
    endpoint_name,
)
from multicloud_ctl.operations.provision.kinds.azure_log_workspace import (
    LOG_COLUMNS,
    AzureLogWorkspace,
    table_address,
    workspace_id,
)

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment

API = "2023-03-11"
PATH = "Microsoft.Insights/dataCollectionRules"
DESTINATION = "central"
DEFAULT_STREAM: str = LogShipping.model_fields["stream"].default


class Settings(KindSettings):
    stream: str = Field(
        default=DEFAULT_STREAM,
        pattern=r"^Custom-[A-Za-z0-9_-]+$",
        description="The stream logs ship sends (the Observability playbook's log_shipping.stream)",
    )


def rule_name(env_name: str) -> str:
    return f"mcctl-{env_name}-functions"


def rule_id(env: Environment) -> str:
    """The rule's ARM id (in the environment's primary resource group); logs ship looks it up by this."""
    sub, group = env.azure.subscription_id, env.azure.resource_group
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{PATH}/{rule_name(env.name)}"


class AzureDataCollectionRule(ArmKind):
    name = "azure_data_collection_rule"
    api_version = API
    settings = Settings
    description = "Data collection rule: logs ship's custom stream into the workspace's custom table"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        table = ctx.settings(AzureLogWorkspace.name).table
        primary = ctx.env.azure.regions.primary
        columns = [{"name": "TimeGenerated", "type": "datetime"}] + [{"name": c, "type": "string"} for c in LOG_COLUMNS]
        return [
            ArmSpec(
                rule_name(ctx.env.name),
                rule_id(ctx.env),
                {
                    "location": primary,
                    "tags": ctx.tags,
                    "properties": {
                        "description": "mcctl logs ship: the functions' log lines into Log Analytics",
                        "dataCollectionEndpointId": endpoint_id(ctx),
                        "streamDeclarations": {s.stream: {"columns": columns}},
                        "destinations": {
                            "logAnalytics": [{"workspaceResourceId": workspace_id(ctx), "name": DESTINATION}]
                        },
                        "dataFlows": [
                            {
                                "streams": [s.stream],
                                "destinations": [DESTINATION],
                                "transformKql": "source",
                                "outputStream": f"Custom-{table}",
                            }
                        ],
                    },
                },
                depends_on=(
                    f"{AzureDataCollectionEndpoint.name}/{endpoint_name(ctx.env.name)}",
                    table_address(ctx),
                ),
            )
        ]
