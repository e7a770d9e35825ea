"""Private endpoints for Azure SQL, Blob, Service Bus and Key Vault, each with its private DNS zone group.

Each endpoint sits in azure_vnet's `private-endpoints` subnet of its target's location and connects to the
target by `privateLinkServiceConnections` with the target's one sub-resource (`groupIds`): `sqlServer`,
`blob`, `namespace`, `vault` ("What is a private endpoint?", Private-link resource table, Microsoft Learn).
Its DNS zone group (`privateDnsZoneGroups/default`, a child without tags: the endpoint's tags govern destroy)
registers the endpoint's address in the documented privatelink zone of that group ("Azure Private Endpoint
private DNS zone values", Microsoft Learn), which azure_private_dns_zone creates and links to both VNets.

Service Bus takes private endpoints on Premium namespaces only (Standard has no private link, and "there are
currently no plans" for it, Azure/azure-service-bus#474): with `services` unset, the bus gets an endpoint only
when azure_servicebus_namespace's `sku` is Premium; naming `servicebus` with another SKU is a validate-time
error. Key Vault exists in the primary location only (azure_key_vault), so its endpoint does too; the other
targets get one endpoint per location. A service whose target kind is disabled gets no endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from multicloud_ctl.errors import ConfigError
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.provision import ProvisionSpec

API = "2023-09-01"
Service = Literal["sql", "blob", "servicebus", "vault"]


@dataclass(frozen=True)
class LinkTarget:
    """One private-link target: its kind, the ARM address and id, the group id and its privatelink zone."""

    service: str
    kind: str
    name: str
    id: str
    location: str
    group_id: str
    zone: str


# service -> (target kind, group id, privatelink zone): "Azure Private Endpoint private DNS zone values"
PRIVATE_LINK: dict[str, tuple[str, str, str]] = {
    "sql": ("azure_sql_server", "sqlServer", "privatelink.database.windows.net"),
    "blob": ("azure_storage_account", "blob", "privatelink.blob.core.windows.net"),
    "servicebus": ("azure_servicebus_namespace", "namespace", "privatelink.servicebus.windows.net"),
    "vault": ("azure_key_vault", "vault", "privatelink.vaultcore.azure.net"),
}


class Settings(KindSettings):
    services: list[Service] | None = Field(
        default=None,
        description="Targets that get private endpoints (default: sql, blob, vault, and servicebus when the "
        "namespace SKU is Premium); servicebus needs azure_servicebus_namespace.sku Premium",
    )


def _targets_of(ctx: DesiredContext, service: str) -> list[LinkTarget]:
    from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import namespace_id, namespace_name
    from multicloud_ctl.operations.provision.kinds.azure_sql_server import server_id, server_name
    from multicloud_ctl.operations.provision.kinds.azure_storage_account import account_id, account_name
    from multicloud_ctl.operations.security.apikey_store import vault_name

    kind, group_id, zone = PRIVATE_LINK[service]
    if service == "vault":
        primary, name = ctx.env.azure.regions.primary, vault_name(ctx.env)
        vid = arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.KeyVault/vaults/{name}")
        return [LinkTarget(service, kind, name, vid, primary, group_id, zone)]
    naming = {
        "sql": (server_name, server_id),
        "blob": (account_name, account_id),
        "servicebus": (namespace_name, namespace_id),
    }[service]
    return [
        LinkTarget(service, kind, naming[0](ctx, loc), naming[1](ctx, loc), loc, group_id, zone)
        for loc in ctx.azure_locations
    ]


def link_targets(ctx: DesiredContext) -> list[LinkTarget]:
    """Every private-link target the config wants an endpoint for (see the module docstring)."""
    s: Settings = ctx.settings(AzurePrivateEndpoint.name)
    bus_sku = ctx.settings("azure_servicebus_namespace").sku
    if s.services is None:
        wanted: list[str] = ["sql", "blob", "vault"] + (["servicebus"] if bus_sku == "Premium" else [])
    else:
        wanted = list(dict.fromkeys(s.services))
        if "servicebus" in wanted and bus_sku != "Premium":
            raise ConfigError(
                f"kinds.azure_private_endpoint.services names servicebus, but the Service Bus namespace's SKU is "
                f"{bus_sku}: Azure takes private endpoints on Premium namespaces only",
                hint="set kinds.azure_servicebus_namespace.sku: Premium, or leave servicebus out of services",
            )
    disabled = set(ctx.spec.disabled_for(ctx.env.name))
    return [
        t
        for service in ("sql", "blob", "servicebus", "vault")
        if service in wanted and PRIVATE_LINK[service][0] not in disabled
        for t in _targets_of(ctx, service)
    ]


def bus_sku_refusals(spec: ProvisionSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """(field path, message) where a playbook asks for a Service Bus private endpoint on a non-Premium namespace,
    for the playbook's kinds and each environment's overrides (checked when the playbook is validated)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for env_name in (None, *spec.environments):
        settings = spec.kind_settings(AzurePrivateEndpoint.name, env_name)
        sku = spec.kind_settings("azure_servicebus_namespace", env_name).sku
        if not settings.enabled or settings.services is None or "servicebus" not in settings.services:
            continue
        if sku == "Premium":
            continue
        over = spec.environments.get(env_name or "")
        own = over is not None and any(
            k in over.kinds and key in over.kinds[k]
            for k, key in ((AzurePrivateEndpoint.name, "services"), ("azure_servicebus_namespace", "sku"))
        )
        if env_name is not None and not own:
            continue  # the playbook's own kinds: reported once, without an environment
        base: tuple[str | int, ...] = ("environments", str(env_name)) if own else ()
        index = settings.services.index("servicebus")
        scope = f" in environment {env_name!r}" if own else ""
        found.append(
            (
                (*base, "kinds", AzurePrivateEndpoint.name, "services", index),
                f"a Service Bus private endpoint needs a Premium namespace, and azure_servicebus_namespace.sku is "
                f"{sku}{scope}: set it to Premium or leave servicebus out",
            )
        )
    return found


def zone_id(ctx: DesiredContext, zone: str) -> str:
    """The privatelink zones live once, in the primary resource group (location `global`)."""
    return arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.Network/privateDnsZones/{zone}")


def endpoint_name(target: LinkTarget) -> str:
    return f"{target.name}-{target.service}-pe"


class AzurePrivateEndpoint(ArmKind):
    name = "azure_private_endpoint"
    api_version = API
    settings = Settings
    description = "Private endpoints of SQL, Blob, Service Bus (Premium) and Key Vault, with DNS zone groups"
    after_kinds = ("azure_private_dns_zone",)

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        from multicloud_ctl.operations.provision.kinds.azure_private_dns_zone import AzurePrivateDnsZone
        from multicloud_ctl.operations.provision.kinds.azure_vnet import (
            PRIVATE_ENDPOINT_SUBNET,
            AzureVnet,
            vnet_id,
            vnet_name,
        )

        out = []
        for t in link_targets(ctx):
            name = endpoint_name(t)
            eid = arm_id(ctx, group_for(ctx, t.location), f"Microsoft.Network/privateEndpoints/{name}")
            out += [
                ArmSpec(
                    name,
                    eid,
                    {
                        "location": t.location,
                        "tags": ctx.tags,
                        "properties": {
                            "subnet": {"id": f"{vnet_id(ctx, t.location)}/subnets/{PRIVATE_ENDPOINT_SUBNET}"},
                            "customNetworkInterfaceName": f"{name}-nic",
                            "privateLinkServiceConnections": [
                                {
                                    "name": f"{t.name}-{t.service}",
                                    "properties": {"privateLinkServiceId": t.id, "groupIds": [t.group_id]},
                                }
                            ],
                        },
                    },
                    depends_on=(f"{t.kind}/{t.name}", f"{AzureVnet.name}/{vnet_name(ctx, t.location)}"),
                ),
                ArmSpec(
                    f"{name}/default",
                    f"{eid}/privateDnsZoneGroups/default",
                    {
                        "properties": {
                            "privateDnsZoneConfigs": [
                                {
                                    "name": t.zone.replace(".", "-"),
                                    "properties": {"privateDnsZoneId": zone_id(ctx, t.zone)},
                                }
                            ]
                        }
                    },
                    depends_on=(f"{self.name}/{name}", f"{AzurePrivateDnsZone.name}/{t.zone}"),
                    owner=eid,
                ),
            ]
        return out
