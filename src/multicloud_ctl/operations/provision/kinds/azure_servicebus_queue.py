"""Service Bus queues (orders, payments, notifications, analytics) with dead-lettering on expiry."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    API,
    LockDuration,
    namespace_address,
    namespace_id,
    namespace_name,
)


class Settings(KindSettings):
    max_delivery_count: int = 10
    lock_duration: LockDuration = "PT1M"  # ISO-8601, PT5S..PT5M; consumers renew for longer handlers
    default_ttl: str = "P14D"


class AzureServiceBusQueue(ArmKind):
    name = "azure_servicebus_queue"
    api_version = API
    settings = Settings
    description = "Service Bus queue with dead-lettering"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                f"{namespace_name(ctx, loc)}/{q}",
                f"{namespace_id(ctx, loc)}/queues/{q}",
                {
                    "properties": {
                        "deadLetteringOnMessageExpiration": True,
                        "maxDeliveryCount": s.max_delivery_count,
                        "lockDuration": s.lock_duration,
                        "defaultMessageTimeToLive": s.default_ttl,
                        "requiresDuplicateDetection": True,
                    }
                },
                depends_on=(namespace_address(ctx, loc),),
                owner=namespace_id(ctx, loc),
            )
            for loc in ctx.azure_locations
            for q in ctx.env.azure.service_bus.queues
        ]
