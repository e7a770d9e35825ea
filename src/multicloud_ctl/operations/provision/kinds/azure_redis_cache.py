"""The Azure side's cache (the seed's "Redis Cache for frequently accessed data"): an Azure Cache for Redis per
location, TLS only.

`enableNonSslPort: false` closes the plain port 6379 (clients use 6380 with TLS) and `minimumTlsVersion` is
1.2, the only version the service still offers (1.0 and 1.1 were retired, "Remove TLS 1.0 and 1.1 from use
with Azure Cache for Redis", Microsoft Learn). Data at rest is always encrypted by the service. The
secondary location gets its own cache (`<name>-<location>`), as the AWS side has one group per region; geo-
replication (`linkedServers`) needs Premium and is not used. Creation takes Azure 15-20 minutes: the generic
PUT waits on ARM's long-running operation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2024-11-01"
FAMILY = {"Basic": "C", "Standard": "C", "Premium": "P"}


class Settings(KindSettings):
    sku: Literal["Standard", "Premium"] = Field(
        default="Standard", description="Standard (primary + replica) or Premium; Basic has no replica (no SLA)"
    )
    capacity: int = Field(default=1, ge=0, le=6, description="Size within the SKU family (C0-C6, P1-P5)")
    minimum_tls_version: Literal["1.2"] = Field(default="1.2", description="Oldest TLS version the cache accepts")
    public_network_access: Literal["Enabled", "Disabled"] = Field(
        default="Enabled", description="Disabled once the cache is reached through a private endpoint"
    )

    @model_validator(mode="after")
    def _capacity_in_family(self) -> Settings:
        if self.sku == "Premium" and not 1 <= self.capacity <= 5:
            raise ValueError("a Premium cache's capacity is 1-5 (P1-P5)")
        return self


def cache_name(ctx: DesiredContext, location: str) -> str:
    return suffix(ctx, f"mcctl-{ctx.env.name}-cache", location)


def cache_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.Cache/redis/{cache_name(ctx, location)}")


class AzureRedisCache(ArmKind):
    name = "azure_redis_cache"
    typical_s = 1200.0  # tens of minutes until the cache is provisioned
    api_version = API
    settings = Settings
    description = "Azure Cache for Redis: TLS only (port 6380), minimum TLS version, one per location"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                cache_name(ctx, loc),
                cache_id(ctx, loc),
                {
                    "location": loc,
                    "tags": ctx.tags,
                    "properties": {
                        "sku": {"name": s.sku, "family": FAMILY[s.sku], "capacity": s.capacity},
                        "enableNonSslPort": False,
                        "minimumTlsVersion": s.minimum_tls_version,
                        "publicNetworkAccess": s.public_network_access,
                    },
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
