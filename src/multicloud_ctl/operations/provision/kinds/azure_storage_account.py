"""Storage accounts (StorageV2, HTTPS only, TLS 1.2, no public blob access); the secondary is `<name>dr`."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

PATH = "Microsoft.Storage/storageAccounts"
API = "2023-05-01"


class Settings(KindSettings):
    sku: str = "Standard_GRS"


def account_name(ctx: DesiredContext, location: str) -> str:
    account = ctx.env.azure.storage.account
    return account if location == ctx.env.azure.regions.primary else f"{account}dr"[:24]


def account_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"{PATH}/{account_name(ctx, location)}")


class AzureStorageAccount(ArmKind):
    name = "azure_storage_account"
    api_version = API
    settings = Settings
    description = "Storage account for backups (HTTPS only, TLS 1.2, no public access)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        return [
            ArmSpec(
                account_name(ctx, loc),
                account_id(ctx, loc),
                {
                    "location": loc,
                    "kind": "StorageV2",
                    "sku": {"name": s.sku},
                    "tags": ctx.tags,
                    "properties": {
                        "supportsHttpsTrafficOnly": True,
                        "minimumTlsVersion": "TLS1_2",
                        "allowBlobPublicAccess": False,
                        "accessTier": "Hot",
                    },
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
