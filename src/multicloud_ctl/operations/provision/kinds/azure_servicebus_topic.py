"""Service Bus topic `order-events` (fan-out of order lifecycle events to the Azure consumers)."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    API,
    namespace_address,
    namespace_id,
    namespace_name,
)


class Settings(KindSettings):
    topics: list[str] = ["order-events"]
    default_ttl: str = "P14D"


class AzureServiceBusTopic(ArmKind):
    name = "azure_servicebus_topic"
    api_version = API
    settings = Settings
    description = "Service Bus topic"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                f"{namespace_name(ctx, loc)}/{t}",
                f"{namespace_id(ctx, loc)}/topics/{t}",
                {
                    "properties": {
                        "defaultMessageTimeToLive": s.default_ttl,
                        "requiresDuplicateDetection": True,
                    }
                },
                depends_on=(namespace_address(ctx, loc),),
                owner=namespace_id(ctx, loc),
            )
            for loc in ctx.azure_locations
            for t in s.topics
        ]
