"""Data-plane role assignments: each function app's managed identity may receive from and send to the
Service Bus namespace of its location, and read the service API keys from the environment's Key Vault.

The namespace has local (SAS) auth disabled, so the functions authenticate with Microsoft Entra ID, and an
identity can only do on the data plane what a role assignment on the namespace (or a queue) grants:
"Authenticate a managed identity with Microsoft Entra ID to access Azure Service Bus resources" and
"Azure Service Bus bindings for Azure Functions" (identity-based connections: the trigger needs Azure Service
Bus Data Receiver, the output binding / a sender Azure Service Bus Data Sender), learn.microsoft.com.
Built-in role definition ids are fixed across Azure ("Azure built-in roles").

The Key Vault (`azure_key_vault`) authorizes with Azure RBAC (`enableRbacAuthorization`), so access policies
are ignored and an app reads a secret only with a role on the vault: "Key Vault Secrets User" (read secret
contents; "Provide access to Key Vault keys, certificates, and secrets with Azure role-based access control",
learn.microsoft.com). The apps of both locations read the one vault in the primary location. Skipped where
the environment disables `azure_key_vault`.

A role assignment is an extension resource: `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`.
The guid is derived from scope, app and role (like Bicep's `guid()`), so plans are stable. The principal is
the app's system-assigned identity, which exists only once the app does: the plan names it, `create` reads
its `principalId` at apply time, and `read` shows an assignment whose principal is no longer the app's (the
app was re-created) as drift. Assignments cannot be updated in place, so an update is delete + create.
`principalType: ServicePrincipal` lets ARM accept a just-created identity before Entra ID replication
catches up (documented for role assignments of new service principals).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_function_app import AzureFunctionApp
from multicloud_ctl.operations.provision.kinds.azure_key_vault import API as VAULT_API
from multicloud_ctl.operations.provision.kinds.azure_key_vault import AzureKeyVault
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    API as SERVICEBUS_API,
)
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import (
    namespace_address,
    namespace_id,
)
from multicloud_ctl.operations.provision.model import Resource
from multicloud_ctl.operations.security.apikey_store import vault_name

API = "2022-04-01"
BUILT_IN_ROLES = {
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Azure Service Bus Data Owner": "090c5cfd-751d-490a-894a-3ce6f1109419",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
}
PRINCIPAL = "(managed identity of {app})"  # the plan's stand-in for a principal id known only at apply


RoleName = Literal["Azure Service Bus Data Receiver", "Azure Service Bus Data Sender", "Azure Service Bus Data Owner"]
VaultRoleName = Literal["Key Vault Secrets User", "Key Vault Secrets Officer"]


class Settings(KindSettings):
    roles: list[RoleName] = ["Azure Service Bus Data Receiver", "Azure Service Bus Data Sender"]
    vault_roles: list[VaultRoleName] = Field(
        default=["Key Vault Secrets User"],
        description="the apps' roles on the environment's Key Vault (none where azure_key_vault is disabled)",
    )
    apps: list[str] | None = None  # default: every function app of the environment


def assignment_name(scope: str, principal_of: str, role_id: str) -> str:
    """A stable GUID for (scope, app, role): the same assignment gets the same name on every plan."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.lower()}|{principal_of.lower()}|{role_id}"))


class AzureRoleAssignment(ArmKind):
    name = "azure_role_assignment"
    api_version = API
    settings = Settings
    description = (
        "Role assignment: function app identities on the Service Bus namespace (receive, send) and the Key Vault"
    )

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        sub = ctx.env.azure.subscription_id
        vault = None if "azure_key_vault" in ctx.spec.disabled_for(ctx.env.name) else vault_name(ctx.env)
        out = []

        def grant(address: str, scope: str, app: str, site: str, role: str, after: str, api: str) -> ArmSpec:
            role_id = BUILT_IN_ROLES[role]
            return ArmSpec(
                address,
                f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment_name(scope, site, role_id)}",
                {
                    "properties": {
                        "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization"
                        f"/roleDefinitions/{role_id}",
                        "principalId": PRINCIPAL.format(app=app),
                        "principalType": "ServicePrincipal",
                    }
                },
                depends_on=(after, f"{AzureFunctionApp.name}/{app}"),
                owner=scope,
                extra={"site_id": site, "owner_api_version": api},
            )

        for loc in ctx.azure_locations:
            scope = namespace_id(ctx, loc)
            for base in s.apps if s.apps is not None else ctx.env.azure.function_apps:
                app = suffix(ctx, base, loc)
                site = arm_id(ctx, group_for(ctx, loc), f"Microsoft.Web/sites/{app}")
                for role in s.roles:
                    short = role.removeprefix("Azure Service Bus ").lower().replace(" ", "-")
                    out.append(
                        grant(f"{app}/{short}", scope, app, site, role, namespace_address(ctx, loc), SERVICEBUS_API)
                    )
                if vault is None:
                    continue
                vault_id = arm_id(ctx, ctx.env.azure.resource_group, f"Microsoft.KeyVault/vaults/{vault}")
                for vault_role in s.vault_roles:
                    short = "kv-" + vault_role.removeprefix("Key Vault ").lower().replace(" ", "-")
                    after = f"{AzureKeyVault.name}/{vault}"
                    out.append(grant(f"{app}/{short}", vault_id, app, site, vault_role, after, VAULT_API))
        return out

    def _principal(self, runtime: Any, res: Resource) -> str:
        site = self._arm(runtime).get(res.inputs["site_id"], AzureFunctionApp.api_version)
        principal = str(((site or {}).get("identity") or {}).get("principalId") or "")
        if not principal:
            raise ProviderError(
                f"{res.inputs['site_id']} has no system-assigned identity yet: apply azure_function_app first"
            )
        return principal

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = self._arm(runtime).get(res.inputs["id"], res.inputs["api_version"], listed=True)
        if live is None:
            return None
        props = dict(live.get("properties") or {})
        site = self._arm(runtime).get(res.inputs["site_id"], AzureFunctionApp.api_version)
        current = str(((site or {}).get("identity") or {}).get("principalId") or "")
        if current and str(props.get("principalId", "")).lower() == current.lower():
            props["principalId"] = res.attrs["properties"]["principalId"]  # still the app's identity
        live["properties"] = props
        return live

    def _body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        props = {**res.attrs["properties"], "principalId": self._principal(runtime, res)}
        return {"properties": props}

    def create(self, runtime: Any, res: Resource) -> Any:
        out = self._arm(runtime).put(res.inputs["id"], res.inputs["api_version"], self._body(runtime, res))
        return {"id": out.get("id", res.inputs["id"]), "principalId": out.get("properties", {}).get("principalId")}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        body = self._body(runtime, res)  # resolve first: never delete an assignment we cannot re-create
        arm = self._arm(runtime)
        arm.delete(res.inputs["id"], res.inputs["api_version"])
        arm.put(res.inputs["id"], res.inputs["api_version"], body)
        return {"replaced": changed, "principalId": body["properties"]["principalId"]}
