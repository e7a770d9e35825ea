"""Service Bus namespaces (Standard: topics need it), one per location."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2024-01-01"  # stable, and its SBNamespaceProperties has minimumTlsVersion (2021-11-01 has not)


class Settings(KindSettings):
    sku: str = "Standard"


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
                    "sku": {"name": s.sku, "tier": s.sku},
                    "properties": {"minimumTlsVersion": "1.2", "disableLocalAuth": True},
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
