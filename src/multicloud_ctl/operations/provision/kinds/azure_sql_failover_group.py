"""SQL failover group primary -> secondary server (only when `azure.sql.geo_replica`)."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_sql_database import AzureSqlDatabase
from multicloud_ctl.operations.provision.kinds.azure_sql_server import API, server_id, server_name


class Settings(KindSettings):
    grace_period_minutes: int = 60


class AzureSqlFailoverGroup(ArmKind):
    name = "azure_sql_failover_group"
    typical_s = 300.0  # the secondary is seeded
    api_version = API
    settings = Settings
    description = "Azure SQL auto-failover group (geo replica)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        locs = ctx.azure_locations
        if not ctx.env.azure.sql.geo_replica or len(locs) < 2:
            return []
        s: Settings = ctx.settings(self.name)
        primary, secondary = locs[0], locs[1]
        db = ctx.env.azure.sql.database
        name = f"{ctx.env.azure.sql.server}-fg"
        return [
            ArmSpec(
                name,
                f"{server_id(ctx, primary)}/failoverGroups/{name}",
                {
                    "tags": ctx.tags,
                    "properties": {
                        "partnerServers": [{"id": server_id(ctx, secondary)}],
                        "databases": [f"{server_id(ctx, primary)}/databases/{db}"],
                        "readWriteEndpoint": {
                            "failoverPolicy": "Automatic",
                            "failoverWithDataLossGracePeriodMinutes": s.grace_period_minutes,
                        },
                        "readOnlyEndpoint": {"failoverPolicy": "Disabled"},
                    },
                },
                depends_on=(f"{AzureSqlDatabase.name}/{server_name(ctx, secondary)}/{db}",),
            )
        ]
