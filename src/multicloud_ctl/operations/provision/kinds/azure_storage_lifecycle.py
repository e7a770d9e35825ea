"""Lifecycle management policy of each storage account: backups to Cool, then Archive, then deleted."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_storage_account import (
    API,
    AzureStorageAccount,
    account_id,
    account_name,
)


class Settings(KindSettings):
    cool_after_days: int = 30
    archive_after_days: int = 90
    delete_after_days: int = 2555


class AzureStorageLifecycle(ArmKind):
    name = "azure_storage_lifecycle"
    api_version = API
    settings = Settings
    description = "Blob lifecycle policy: cool, archive, delete"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        container = ctx.env.azure.storage.backups_container
        rule = {
            "name": "backups-tiering",
            "enabled": True,
            "type": "Lifecycle",
            "definition": {
                "filters": {"blobTypes": ["blockBlob"], "prefixMatch": [f"{container}/"]},
                "actions": {
                    "baseBlob": {
                        "tierToCool": {"daysAfterModificationGreaterThan": s.cool_after_days},
                        "tierToArchive": {"daysAfterModificationGreaterThan": s.archive_after_days},
                        "delete": {"daysAfterModificationGreaterThan": s.delete_after_days},
                    }
                },
            },
        }
        return [
            ArmSpec(
                account_name(ctx, loc),
                f"{account_id(ctx, loc)}/managementPolicies/default",
                {"properties": {"policy": {"rules": [rule]}}},
                depends_on=(f"{AzureStorageAccount.name}/{account_name(ctx, loc)}",),
                owner=account_id(ctx, loc),
                extra={"owner_api_version": API},
            )
            for loc in ctx.azure_locations
        ]
