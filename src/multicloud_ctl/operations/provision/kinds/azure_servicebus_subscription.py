"""Topic subscriptions (one per consumer) with dead-lettering on expiry and on filter errors."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    API,
    LockDuration,
    namespace_id,
    namespace_name,
)
from multicloud_ctl.operations.provision.kinds.azure_servicebus_topic import AzureServiceBusTopic


class Settings(KindSettings):
    consumers: list[str] = ["analytics-processor", "notification-service"]
    max_delivery_count: int = 10
    lock_duration: LockDuration = "PT1M"  # ISO-8601, PT5S..PT5M; consumers renew for longer handlers


class AzureServiceBusSubscription(ArmKind):
    name = "azure_servicebus_subscription"
    api_version = API
    settings = Settings
    description = "Service Bus topic subscription with dead-lettering"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        topics = ctx.settings(AzureServiceBusTopic.name).topics
        return [
            ArmSpec(
                f"{namespace_name(ctx, loc)}/{t}/{c}",
                f"{namespace_id(ctx, loc)}/topics/{t}/subscriptions/{c}",
                {
                    "properties": {
                        "deadLetteringOnMessageExpiration": True,
                        "deadLetteringOnFilterEvaluationExceptions": True,
                        "maxDeliveryCount": s.max_delivery_count,
                        "lockDuration": s.lock_duration,
                    }
                },
                depends_on=(f"{AzureServiceBusTopic.name}/{namespace_name(ctx, loc)}/{t}",),
                owner=namespace_id(ctx, loc),
            )
            for loc in ctx.azure_locations
            for t in topics
            for c in s.consumers
        ]
