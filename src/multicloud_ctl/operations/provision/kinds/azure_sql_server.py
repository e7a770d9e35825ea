"""Azure SQL logical servers (Entra-only authentication: no SQL passwords), primary and secondary."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2021-11-01"


class Settings(KindSettings):
    admin_group: str = "mcctl-sql-admins"
    admin_group_object_id: str = "00000000-0000-0000-0000-000000000000"


def server_name(ctx: DesiredContext, location: str) -> str:
    return suffix(ctx, ctx.env.azure.sql.server, location)


def server_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.Sql/servers/{server_name(ctx, location)}")


class AzureSqlServer(ArmKind):
    name = "azure_sql_server"
    api_version = API
    settings = Settings
    description = "Azure SQL server, Entra-only auth, TLS 1.2"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                server_name(ctx, loc),
                server_id(ctx, loc),
                {
                    "location": loc,
                    "tags": ctx.tags,
                    "properties": {
                        "version": "12.0",
                        "minimalTlsVersion": "1.2",
                        "publicNetworkAccess": "Disabled",
                        "administrators": {
                            "administratorType": "ActiveDirectory",
                            "login": s.admin_group,
                            "sid": s.admin_group_object_id,
                            "tenantId": ctx.env.azure.tenant_id,
                            "azureADOnlyAuthentication": True,
                        },
                    },
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
