"""The data collection endpoint `mcctl logs ship` sends to (the Logs Ingestion API's host).

In the primary location, with the workspace and the rule: a data collection rule and the endpoint it names
must be in one region, and the Logs Ingestion API's rule in the region of its destination workspace ("Data
collection endpoints in Azure Monitor", learn.microsoft.com). ARM assigns the ingestion URL
(`properties.logsIngestion.endpoint`, `https://<name>-<suffix>.<region>-1.ingest.monitor.azure.com`): logs
ship reads it from here (operations/observability/ingestion_target.py) unless the playbook names one.
"""

from __future__ import annotations

from typing import Literal

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2023-03-11"


class Settings(KindSettings):
    # Disabled needs a private link scope (the private endpoints of issue 18 item 5)
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"


def endpoint_name(env_name: str) -> str:
    return f"mcctl-{env_name}-dce"


def endpoint_id(ctx: DesiredContext) -> str:
    path = f"Microsoft.Insights/dataCollectionEndpoints/{endpoint_name(ctx.env.name)}"
    return arm_id(ctx, ctx.env.azure.resource_group, path)


class AzureDataCollectionEndpoint(ArmKind):
    name = "azure_data_collection_endpoint"
    api_version = API
    settings = Settings
    description = "Data collection endpoint: the Logs Ingestion API host logs ship sends to"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        primary = ctx.env.azure.regions.primary
        return [
            ArmSpec(
                endpoint_name(ctx.env.name),
                endpoint_id(ctx),
                {
                    "location": primary,
                    "tags": ctx.tags,
                    "properties": {"networkAcls": {"publicNetworkAccess": s.public_network_access}},
                },
                depends_on=(group_address(ctx, primary),),
            )
        ]
