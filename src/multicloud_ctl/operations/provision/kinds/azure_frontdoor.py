"""Azure Front Door (Standard) for the Azure copy of the static assets: profile, endpoint, origin group,
origin and an HTTPS-only route (ARM type Microsoft.Cdn), plus the storage the origin serves from.

The origin is its own storage account (`<account>web`) whose one container `assets` allows anonymous reads
of blobs (publicAccess "Blob"), not the backups account: that one has public blob access disabled, so Front
Door (Standard cannot use a private link to storage) would get 403/409 for every object, and opening it
would expose the backups. The route reads from `/assets`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address
from multicloud_ctl.operations.provision.kinds.azure_storage_account import API as STORAGE_API
from multicloud_ctl.operations.provision.kinds.azure_storage_account import PATH as STORAGE_PATH

ASSETS = "assets"


def static_account_name(ctx: DesiredContext) -> str:
    """The static assets' storage account: the environment's account name + `web` (at most 24 characters)."""
    return f"{ctx.env.azure.storage.account[:21]}web"


def profile_name(ctx: DesiredContext) -> str:
    """The environment's Front Door profile."""
    return f"mcctl-{ctx.env.name}-afd"


def endpoint_name() -> str:
    """The profile's one endpoint (the static assets; the WAF's security policy protects it)."""
    return "static"


class Settings(KindSettings):
    sku: Literal["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"] = Field(
        default="Standard_AzureFrontDoor",
        description="Premium for the WAF's managed rule sets (azure_frontdoor_waf); the WAF policy takes the same",
    )


class AzureFrontDoor(ArmKind):
    name = "azure_frontdoor"
    typical_s = 300.0
    api_version = "2023-05-01"
    settings = Settings
    description = "Front Door profile, endpoint, origin group, origin and HTTPS-only route"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        primary = ctx.env.azure.regions.primary
        profile = profile_name(ctx)
        pid = arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.Cdn/profiles/{profile}")
        endpoint, group, origin, route = endpoint_name(), "storage", "blob-primary", "static-route"
        static = static_account_name(ctx)
        sid = arm_id(ctx, ctx.env.azure.resource_group, f"{STORAGE_PATH}/{static}")
        host = f"{static}.blob.core.windows.net"
        me = self.name
        return [
            ArmSpec(
                static,
                sid,
                {
                    "location": primary,
                    "kind": "StorageV2",
                    "sku": {"name": "Standard_LRS"},
                    "tags": ctx.tags,
                    "properties": {
                        "supportsHttpsTrafficOnly": True,
                        "minimumTlsVersion": "TLS1_2",
                        "allowBlobPublicAccess": True,  # only the `assets` container opts in
                        "accessTier": "Hot",
                    },
                },
                depends_on=(group_address(ctx, primary),),
                extra={"api_version": STORAGE_API},
            ),
            ArmSpec(
                f"{static}/{ASSETS}",
                f"{sid}/blobServices/default/containers/{ASSETS}",
                {"properties": {"publicAccess": "Blob"}},
                depends_on=(f"{me}/{static}",),
                owner=sid,
                extra={"api_version": STORAGE_API, "owner_api_version": STORAGE_API},
            ),
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
                depends_on=(f"{me}/{profile}/{group}", f"{me}/{static}/{ASSETS}"),
                owner=pid,
            ),
            ArmSpec(
                f"{profile}/{endpoint}/{route}",
                f"{pid}/afdEndpoints/{endpoint}/routes/{route}",
                {
                    "properties": {
                        "originGroup": {"id": f"{pid}/originGroups/{group}"},
                        "originPath": f"/{ASSETS}",
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
