"""The `backups` blob container in each storage account (no public access)."""

from __future__ import annotations

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_storage_account import (
    API,
    AzureStorageAccount,
    account_id,
    account_name,
)


class AzureBlobContainer(ArmKind):
    name = "azure_blob_container"
    api_version = API
    description = "Blob container for backups"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        container = ctx.env.azure.storage.backups_container
        return [
            ArmSpec(
                f"{account_name(ctx, loc)}/{container}",
                f"{account_id(ctx, loc)}/blobServices/default/containers/{container}",
                {"properties": {"publicAccess": "None"}},
                depends_on=(f"{AzureStorageAccount.name}/{account_name(ctx, loc)}",),
                owner=account_id(ctx, loc),
                extra={"owner_api_version": API},
            )
            for loc in ctx.azure_locations
        ]
