"""The privatelink DNS zones of the private endpoints, each linked to the VNet of every location.

One zone per private-link group the endpoints use (`privatelink.database.windows.net`,
`privatelink.blob.core.windows.net`, `privatelink.servicebus.windows.net`, `privatelink.vaultcore.azure.net`),
in the primary resource group: a private DNS zone is a global resource (location `global`), and one zone linked
to both VNets lets each location resolve both locations' endpoints ("Private endpoint DNS integration",
Microsoft Learn). The links do not register VM records (`registrationEnabled: false`): the endpoints' DNS
zone groups write the zone's A records.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_private_endpoint import link_targets, zone_id
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2024-06-01"


class AzurePrivateDnsZone(ArmKind):
    name = "azure_private_dns_zone"
    api_version = API
    settings = KindSettings
    description = "privatelink DNS zones of the private endpoints, linked to every location's VNet"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        from multicloud_ctl.operations.provision.kinds.azure_vnet import AzureVnet, vnet_id, vnet_name

        primary = ctx.env.azure.regions.primary
        out = []
        for zone in dict.fromkeys(t.zone for t in link_targets(ctx)):
            zid = zone_id(ctx, zone)
            out.append(
                ArmSpec(zone, zid, {"location": "global", "tags": ctx.tags}, depends_on=(group_address(ctx, primary),))
            )
            for loc in ctx.azure_locations:
                link = vnet_name(ctx, loc)
                out.append(
                    ArmSpec(
                        f"{zone}/{link}",
                        f"{zid}/virtualNetworkLinks/{link}",
                        {
                            "location": "global",
                            "tags": ctx.tags,
                            "properties": {"virtualNetwork": {"id": vnet_id(ctx, loc)}, "registrationEnabled": False},
                        },
                        depends_on=(f"{self.name}/{zone}", f"{AzureVnet.name}/{link}"),
                    )
                )
        return out
