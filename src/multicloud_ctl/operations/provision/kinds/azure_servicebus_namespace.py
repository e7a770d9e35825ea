"""Service Bus namespaces (Standard at least: topics need it), one per location.

Premium is what private endpoints need (azure_private_endpoint): a Premium namespace is sized in messaging units
(`capacity` 1, 2, 4, 8 or 16, "Service Bus Premium and Standard messaging tiers", Microsoft Learn). Azure moves
an existing Standard namespace to Premium by its own migration operation ("Migrate existing Azure Service Bus
standard namespaces to the premium tier"), which mcctl does not run: choose the SKU before the namespace exists.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2024-01-01"  # stable, and its SBNamespaceProperties has minimumTlsVersion (2021-11-01 has not)


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def lock_duration_seconds(value: str) -> float:
    """Seconds of an ISO-8601 `PT..H..M..S` lock duration; ValueError outside Service Bus's 5 s to 5 min.

    A queue's or subscription's `lockDuration` is how long a peek-locked message stays invisible to other
    receivers; "The maximum value for LockDuration is 5 minutes" (Service Bus docs, "Message transfers,
    locks, and settlement"), and the service refuses values under 5 seconds. A handler that needs longer
    renews the lock (the functions' consumers do, see functions/adapters/bus.py).
    """
    m = _DURATION.match(value)
    if m is None or not any(m.groups()):
        raise ValueError(f"{value!r} is not an ISO-8601 duration like PT30S or PT1M")
    seconds = int(m[1] or 0) * 3600 + int(m[2] or 0) * 60 + float(m[3] or 0)
    if not 5 <= seconds <= 300:
        raise ValueError(f"{value!r}: a Service Bus lock duration must be between PT5S and PT5M")
    return seconds


def _lock_duration(value: str) -> str:
    lock_duration_seconds(value)
    return value


LockDuration = Annotated[str, AfterValidator(_lock_duration)]


class Settings(KindSettings):
    sku: Literal["Standard", "Premium"] = Field(
        default="Standard", description="Premium for private endpoints (azure_private_endpoint)"
    )
    premium_capacity: Literal[1, 2, 4, 8, 16] = Field(default=1, description="Messaging units of a Premium namespace")


def sku_body(s: Settings) -> dict[str, Any]:
    if s.sku == "Premium":
        return {"name": "Premium", "tier": "Premium", "capacity": s.premium_capacity}
    return {"name": s.sku, "tier": s.sku}


def namespace_name(ctx: DesiredContext, location: str) -> str:
    return suffix(ctx, ctx.env.azure.service_bus.namespace, location)


def namespace_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.ServiceBus/namespaces/{namespace_name(ctx, location)}")


def namespace_address(ctx: DesiredContext, location: str) -> str:
    return f"{AzureServiceBusNamespace.name}/{namespace_name(ctx, location)}"


class AzureServiceBusNamespace(ArmKind):
    name = "azure_servicebus_namespace"
    api_version = API
    settings = Settings
    description = "Service Bus namespace (TLS 1.2, local auth off)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                namespace_name(ctx, loc),
                namespace_id(ctx, loc),
                {
                    "location": loc,
                    "tags": ctx.tags,
                    "sku": sku_body(s),
                    "properties": {"minimumTlsVersion": "1.2", "disableLocalAuth": True},
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
