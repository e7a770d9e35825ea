"""The Key Vault `mcctl secrets rotate` writes the service API keys to (`mcctl-<env>-kv`, the name
operations/security/apikey_store.py reads) and the Azure functions read them from.

One vault, in the primary location: Key Vault replicates a vault's contents to the paired region and serves
reads from there during a regional outage ("Azure Key Vault availability and redundancy",
learn.microsoft.com), so the secondary location's apps read the same vault. Data-plane access is by Azure
RBAC (`enableRbacAuthorization`; access policies are then ignored, sent empty).

Key Vault keeps a deleted vault for `softDeleteRetentionInDays` (soft delete can no longer be turned off) and
the name stays taken meanwhile: a PUT of that name is refused (409 ConflictError) unless it recovers the
vault with `createMode: recover`. So `create` looks for the deleted vault first and recovers it (its secrets
come back with it), then converges the properties. Purge protection, once on, cannot be turned off, and the
retention days cannot be changed after creation: `plan` shows such a change, the service refuses it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address
from multicloud_ctl.operations.provision.model import Resource
from multicloud_ctl.operations.security.apikey_store import vault_name

API = "2023-07-01"


class Settings(KindSettings):
    sku: Literal["standard", "premium"] = "standard"
    soft_delete_retention_days: int = Field(default=90, ge=7, le=90, description="Fixed once the vault exists")
    purge_protection: bool = Field(default=True, description="Irreversible once on")
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"


class AzureKeyVault(ArmKind):
    name = "azure_key_vault"
    api_version = API
    settings = Settings
    description = "Key Vault of the service API keys (RBAC, soft delete, purge protection)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        primary = ctx.env.azure.regions.primary
        name = vault_name(ctx.env)
        props: dict[str, Any] = {
            "tenantId": ctx.env.azure.tenant_id,
            "sku": {"family": "A", "name": s.sku},
            "enableRbacAuthorization": True,
            "accessPolicies": [],
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": s.soft_delete_retention_days,
            "publicNetworkAccess": s.public_network_access,
        }
        if s.purge_protection:  # the service refuses `false` (it can only be left out)
            props["enablePurgeProtection"] = True
        return [
            ArmSpec(
                name,
                arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.KeyVault/vaults/{name}"),
                {"location": primary, "tags": ctx.tags, "properties": props},
                depends_on=(group_address(ctx, primary),),
                extra={"deleted_id": deleted_vault_id(ctx.env.azure.subscription_id, primary, name)},
            )
        ]

    def create(self, runtime: Any, res: Resource) -> Any:
        arm = self._arm(runtime)
        if arm.get(res.inputs["deleted_id"], res.inputs["api_version"]) is not None:
            recover = {**res.attrs, "properties": {**res.attrs["properties"], "createMode": "recover"}}
            arm.put(res.inputs["id"], res.inputs["api_version"], recover)
            arm.put(res.inputs["id"], res.inputs["api_version"], res.attrs)  # the recovered vault's old settings
            return {"id": res.inputs["id"], "recovered": True}
        return super().create(runtime, res)


def deleted_vault_id(subscription: str, location: str, name: str) -> str:
    """Where ARM keeps a soft-deleted vault: `/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/
    {location}/deletedVaults/{name}` (REST "Vaults - Get Deleted")."""
    return f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"
