"""The Azure SQL database on each server (the secondary one is the geo-replica target when asked)."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_sql_server import (
    API,
    AzureSqlServer,
    server_id,
    server_name,
)


class Settings(KindSettings):
    sku: str = "S1"
    tier: str = "Standard"


class AzureSqlDatabase(ArmKind):
    name = "azure_sql_database"
    typical_s = 120.0
    api_version = API
    settings = Settings
    description = "Azure SQL database"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        db = ctx.env.azure.sql.database
        out = []
        for loc in ctx.azure_locations:
            props: dict[str, object] = {"collation": "SQL_Latin1_General_CP1_CI_AS", "zoneRedundant": False}
            secondary = loc != ctx.env.azure.regions.primary
            if secondary and ctx.env.azure.sql.geo_replica:
                props = {
                    "createMode": "Secondary",
                    "secondaryType": "Geo",
                    "sourceDatabaseId": f"{server_id(ctx, ctx.env.azure.regions.primary)}/databases/{db}",
                }
            deps = [f"{AzureSqlServer.name}/{server_name(ctx, loc)}"]
            if secondary and ctx.env.azure.sql.geo_replica:
                deps.append(f"{self.name}/{server_name(ctx, ctx.env.azure.regions.primary)}/{db}")
            out.append(
                ArmSpec(
                    f"{server_name(ctx, loc)}/{db}",
                    f"{server_id(ctx, loc)}/databases/{db}",
                    {
                        "location": loc,
                        "tags": ctx.tags,
                        "sku": {"name": s.sku, "tier": s.tier},
                        "properties": props,
                    },
                    depends_on=tuple(deps),
                )
            )
        return out
