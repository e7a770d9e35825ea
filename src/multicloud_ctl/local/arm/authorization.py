"""Fake ARM role assignments (Microsoft.Authorization/roleAssignments): an extension resource on any scope.

`PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}` is refused as the service refuses it
("Troubleshoot Azure RBAC", learn.microsoft.com/azure/role-based-access-control/troubleshooting, and the
REST reference "Role Assignments - Create", api-version 2022-04-01):
- the name must be a GUID (400 `InvalidRoleAssignmentId`);
- the scope must exist (404 `ResourceNotFound` / `ResourceGroupNotFound`);
- `properties.roleDefinitionId` must name a role definition
  (`/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`) that exists: here the
  built-in roles mcctl assigns (400 `RoleDefinitionDoesNotExist`);
- `properties.principalId` must be a principal of the directory: here a system-assigned identity the fake
  issued to a resource (400 `PrincipalNotFound`);
- an assignment cannot be changed in place (409 `RoleAssignmentUpdateNotPermitted`), nor the same
  principal + role + scope assigned twice under another name (409 `RoleAssignmentExists`).
"""

from __future__ import annotations

import re
from typing import Any

from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

ASSIGNMENT = (
    r"(?P<scope>/subscriptions/[^/]+(?:/.+?)?)/providers/microsoft\.authorization/roleassignments/(?P<name>[^/]+)"
)
TYPE = "Microsoft.Authorization/roleAssignments"
API_VERSIONS = {"2015-07-01", "2018-01-01-preview", "2020-04-01-preview", "2022-04-01"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Built-in role definition ids ("Azure built-in roles", learn.microsoft.com/azure/role-based-access-control/
# built-in-roles): the ones mcctl assigns
BUILT_IN_ROLES = {
    "090c5cfd-751d-490a-894a-3ce6f1109419": "Azure Service Bus Data Owner",
    "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": "Azure Service Bus Data Receiver",
    "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": "Azure Service Bus Data Sender",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
}


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _scope_exists(ctx: ActionContext, scope: str) -> Response | None:
    parts = scope.strip("/").split("/")
    if len(parts) >= 4 and ctx.store.get_group(parts[1], parts[3]) is None:
        return _error(404, "ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found.")
    if "/providers/" in scope and ctx.store.get_resource(scope) is None:
        return _error(404, "ResourceNotFound", f"The Resource '{scope}' was not found.")
    return None


def _principals(ctx: ActionContext) -> set[str]:
    with ctx.store.lock:
        resources = list(ctx.store.resources.values())
    return {str((r.get("identity") or {}).get("principalId", "")).lower() for r in resources} - {""}


def _check(ctx: ActionContext, scope: str, name: str, body: dict[str, Any]) -> Response | None:
    from multicloud_ctl.local.arm.server import api_version

    version = api_version(ctx.request)
    if version not in API_VERSIONS:
        return _error(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for API version '{version}' and resource type '{TYPE}'.",
        )
    if not GUID.match(name):
        return _error(
            400,
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    missing = _scope_exists(ctx, scope)
    if missing is not None:
        return missing
    props = body.get("properties") or {}
    role = str(props.get("roleDefinitionId", ""))
    sub = scope.strip("/").split("/")[1]
    m = re.fullmatch(
        rf"/subscriptions/{re.escape(sub)}/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)", role, re.I
    )
    if m is None or m[1].lower() not in BUILT_IN_ROLES:
        return _error(
            400, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{role}' does not exist."
        )
    principal = str(props.get("principalId", ""))
    if not GUID.match(principal) or principal.lower() not in _principals(ctx):
        return _error(
            400,
            "PrincipalNotFound",
            f"Principal {principal.replace('-', '')} does not exist in the directory. Check that you have the "
            "correct principal ID.",
        )
    if props.get("principalType") not in (None, "User", "Group", "ServicePrincipal", "ForeignGroup", "Device"):
        return _error(400, "InvalidPrincipalType", f"The principal type '{props.get('principalType')}' is invalid.")
    return None


@action("PUT", ASSIGNMENT)
def put_assignment(ctx: ActionContext) -> Response:
    scope, name = ctx.match["scope"], ctx.match["name"]
    body = dict(ctx.request.body or {})
    refused = _check(ctx, scope, name, body)
    if refused is not None:
        return refused
    rid = f"{scope}/providers/{TYPE}/{name}"
    props = body["properties"]
    key = (str(props["principalId"]).lower(), str(props["roleDefinitionId"]).lower(), scope.lower())
    existing = ctx.store.get_resource(rid)
    if existing is not None:
        was = existing["properties"]
        if (str(was["principalId"]).lower(), str(was["roleDefinitionId"]).lower()) != key[:2]:
            return _error(
                409,
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        return Response(200, existing)
    for other in ctx.store.list_resources(scope, TYPE):
        p = other["properties"]
        same_scope = str(p.get("scope", "")).lower() == scope.lower()
        if same_scope and (str(p["principalId"]).lower(), str(p["roleDefinitionId"]).lower()) == key[:2]:
            return _error(409, "RoleAssignmentExists", "The role assignment already exists.")
    stored = {"properties": {**props, "scope": scope, "principalType": props.get("principalType", "ServicePrincipal")}}
    resource, _ = ctx.store.put_resource(rid, TYPE, stored)
    resource["properties"].pop("provisioningState", None)  # role assignments have none
    return Response(201, resource)


@action("GET", ASSIGNMENT)
def get_assignment(ctx: ActionContext) -> Response:
    rid = f"{ctx.match['scope']}/providers/{TYPE}/{ctx.match['name']}"
    found = ctx.store.get_resource(rid)
    if found is None:
        return _error(404, "RoleAssignmentNotFound", "The role assignment '{}' is not found.".format(ctx.match["name"]))
    found["properties"].pop("provisioningState", None)
    return Response(200, found)


@action("DELETE", ASSIGNMENT)
def delete_assignment(ctx: ActionContext) -> Response:
    rid = f"{ctx.match['scope']}/providers/{TYPE}/{ctx.match['name']}"
    found = ctx.store.get_resource(rid)
    if found is None:
        return Response(204)
    ctx.store.delete_resource(rid)
    found["properties"].pop("provisioningState", None)
    return Response(200, found)


# ---- the caller's permissions --------------------------------------------------------------------------------
# "Permissions - List For Resource Group" / "List For Resource" (Azure/azure-rest-api-specs, specification/
# authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json):
# GET {scope}/providers/Microsoft.Authorization/permissions on a resource group or a resource in one, answering
# `PermissionGetResult` {"value": [Permission], "nextLink"}; Permission = actions, notActions, dataActions,
# notDataActions. The api-versions are those the specs publish for the operation.
PERMISSIONS = (
    r"(?P<scope>/subscriptions/[^/]+/resourcegroups/[^/]+(?:/providers/(?!microsoft\.authorization/).+?)?)"
    r"/providers/microsoft\.authorization/permissions"
)
PERMISSIONS_API_VERSIONS = {"2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview"}
PERMISSION_FIELDS = ("actions", "notActions", "dataActions", "notDataActions")


@action("GET", PERMISSIONS)
def list_permissions(ctx: ActionContext) -> Response:
    """The caller's permission entries at the scope: the store's `caller_permissions`.

    The role assignments this fake holds are for the managed identities it issued (data roles), never for the
    caller, so what the caller may do is set by the test or operator (`POST /_admin/permissions`); the default is
    the built-in Owner role. None refuses the call as ARM refuses a caller without the right to list
    (403 `AuthorizationFailed`).
    """
    from multicloud_ctl.local.arm.server import api_version

    version = api_version(ctx.request)
    if version not in PERMISSIONS_API_VERSIONS:
        return _error(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for API version '{version}' and resource type "
            "'Microsoft.Authorization/permissions'.",
        )
    scope = ctx.match["scope"]
    missing = _scope_exists(ctx, scope)
    if missing is not None:
        return missing
    with ctx.store.lock:
        granted = ctx.store.caller_permissions
        value = None if granted is None else [{f: list(p.get(f) or []) for f in PERMISSION_FIELDS} for p in granted]
    if value is None:
        return _error(
            403,
            "AuthorizationFailed",
            "The client does not have authorization to perform action 'Microsoft.Authorization/permissions/read' "
            f"over scope '{scope}' or the scope is invalid.",
        )
    return Response(200, {"value": value})


def set_caller_permissions(store: Any, method: str, body: Any) -> Response:
    """`/_admin/permissions`: GET shows, POST `{"value": [Permission]}` sets, `{"refuse": true}` refuses the
    listing (403), DELETE restores the Owner default."""
    from multicloud_ctl.local.arm.store import OWNER

    with store.lock:
        if method == "POST":
            doc = dict(body or {})
            if doc.get("refuse"):
                store.caller_permissions = None
            else:
                value = doc.get("value")
                if not isinstance(value, list) or not all(
                    isinstance(p, dict) and set(p) <= set(PERMISSION_FIELDS) for p in value
                ):
                    return _error(
                        400, "InvalidPermissions", f"value must be a list of {{{', '.join(PERMISSION_FIELDS)}}}"
                    )
                store.caller_permissions = [
                    {f: [str(a) for a in p.get(f) or []] for f in PERMISSION_FIELDS} for p in value
                ]
        elif method == "DELETE":
            store.caller_permissions = [dict(OWNER)]
        return Response(200, {"refused": store.caller_permissions is None, "value": store.caller_permissions or []})
