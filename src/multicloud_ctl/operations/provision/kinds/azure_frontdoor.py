"""Azure Front Door (Standard) for the Azure copy of the static assets: profile, endpoint, origin group,
the primary storage account's blob host as origin, and an HTTPS-only route. ARM type Microsoft.Cdn."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address
from multicloud_ctl.operations.provision.kinds.azure_storage_account import AzureStorageAccount, account_name


class Settings(KindSettings):
    sku: str = "Standard_AzureFrontDoor"


class AzureFrontDoor(ArmKind):
    name = "azure_frontdoor"
    api_version = "2023-05-01"
    settings = Settings
    description = "Front Door profile, endpoint, origin group, origin and HTTPS-only route"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        primary = ctx.env.azure.regions.primary
        profile = f"mcctl-{ctx.env.name}-afd"
        pid = arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.Cdn/profiles/{profile}")
        endpoint, group, origin, route = "static", "storage", "blob-primary", "static-route"
        host = f"{account_name(ctx, primary)}.blob.core.windows.net"
        me = self.name
        return [
            ArmSpec(
                profile,
                pid,
                {"location": "global", "tags": ctx.tags, "sku": {"name": s.sku}},
                depends_on=(group_address(ctx, primary),),
            ),
            ArmSpec(
                f"{profile}/{endpoint}",
                f"{pid}/afdEndpoints/{endpoint}",
                {"location": "global", "tags": ctx.tags, "properties": {"enabledState": "Enabled"}},
                depends_on=(f"{me}/{profile}",),
            ),
            ArmSpec(
                f"{profile}/{group}",
                f"{pid}/originGroups/{group}",
                {
                    "properties": {
                        "loadBalancingSettings": {"sampleSize": 4, "successfulSamplesRequired": 3},
                        "healthProbeSettings": {
                            "probePath": "/",
                            "probeProtocol": "Https",
                            "probeRequestType": "HEAD",
                            "probeIntervalInSeconds": 100,
                        },
                    }
                },
                depends_on=(f"{me}/{profile}",),
                owner=pid,
            ),
            ArmSpec(
                f"{profile}/{group}/{origin}",
                f"{pid}/originGroups/{group}/origins/{origin}",
                {
                    "properties": {
                        "hostName": host,
                        "originHostHeader": host,
                        "httpsPort": 443,
                        "enabledState": "Enabled",
                    }
                },
                depends_on=(
                    f"{me}/{profile}/{group}",
                    f"{AzureStorageAccount.name}/{account_name(ctx, primary)}",
                ),
                owner=pid,
            ),
            ArmSpec(
                f"{profile}/{endpoint}/{route}",
                f"{pid}/afdEndpoints/{endpoint}/routes/{route}",
                {
                    "properties": {
                        "originGroup": {"id": f"{pid}/originGroups/{group}"},
                        "supportedProtocols": ["Https"],
                        "httpsRedirect": "Enabled",
                        "forwardingProtocol": "HttpsOnly",
                        "patternsToMatch": ["/*"],
                        "linkToDefaultDomain": "Enabled",
                    }
                },
                depends_on=(f"{me}/{profile}/{endpoint}", f"{me}/{profile}/{group}/{origin}"),
                owner=pid,
            ),
        ]
