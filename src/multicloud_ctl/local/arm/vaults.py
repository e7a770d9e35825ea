"""Fake ARM Key Vault vaults (the control plane; the secrets' data plane is keyvault.py).

After the gates every PUT passes (`rules.check_put`: the vault naming rule; the body against the vendored
2023-07-01 schema), a vault behaves as Key Vault does ("Azure Key Vault soft-delete overview", "Vaults -
Create Or Update", "Vaults - Get Deleted", learn.microsoft.com):
- it gets `vaultUri`: in the cloud `https://{name}.vault.azure.net/`, here the fake's own data plane
  (`{base}/keyvault/{name}/`, where providers/azure/keyvault.py sends secrets on the sandbox);
- soft delete cannot be turned off (`enableSoftDelete: false` is refused), nor purge protection once on (and
  `enablePurgeProtection: false` is never accepted), and `softDeleteRetentionInDays` is fixed at creation;
- a DELETE keeps the vault as a deleted vault at
  `/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}`; a PUT of that
  name is then refused (409 `ConflictError`, "Exist soft deleted vault with the same name.") unless it says
  `createMode: recover`, which brings the vault back as it was (its secrets stay in the data plane here);
  `createMode: recover` with no deleted vault is refused too (404).
Purge (`POST .../deletedVaults/{name}/purge`) is not served: with purge protection on, the service refuses it.
`createMode` is a request-only property: a GET does not show it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from multicloud_ctl.engine.clock import default_clock, iso
from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

VAULT = (
    r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.keyvault/vaults/(?P<name>[^/]+)"
)
DELETED = (
    r"/subscriptions/(?P<sub>[^/]+)/providers/microsoft\.keyvault/locations/(?P<location>[^/]+)"
    r"/deletedvaults/(?P<name>[^/]+)"
)
TYPE = "Microsoft.KeyVault/vaults"
DELETED_TYPE = "Microsoft.KeyVault/deletedVaults"


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def deleted_id(sub: str, location: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"


def _deleted(ctx: ActionContext) -> dict[str, Any] | None:
    sub, name = ctx.match["sub"], ctx.match["name"]
    for found in ctx.store.list_resources(f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations", DELETED_TYPE):
        if found["name"].lower() == name.lower():
            return found
    return None


def _refusal(existing: dict[str, Any] | None, props: dict[str, Any]) -> Response | None:
    was = (existing or {}).get("properties") or {}
    if props.get("enableSoftDelete") is False:
        return _error(
            400,
            "BadRequest",
            'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an '
            "irreversible action.",
        )
    if props.get("enablePurgeProtection") is False:
        return _error(
            400,
            "BadRequest",
            'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a '
            "vault is an irreversible action.",
        )
    days = props.get("softDeleteRetentionInDays")
    if existing is not None and days is not None and days != was.get("softDeleteRetentionInDays", 90):
        return _error(
            400,
            "BadRequest",
            'The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.',
        )
    return None


@action("PUT", VAULT)
def put_vault(ctx: ActionContext) -> Response:
    from multicloud_ctl.local.arm.lro import put_answer
    from multicloud_ctl.local.arm.rules import check_put
    from multicloud_ctl.local.arm.server import api_version, invalid_body

    if ctx.store.get_group(ctx.match["sub"], ctx.match["rg"]) is None:
        return _error(404, "ResourceGroupNotFound", f"Resource group '{ctx.match['rg']}' could not be found.")
    rid = ctx.request.path.rstrip("/")
    prov = rid.split("/providers/", 1)[1].split("/")
    refused = check_put(ctx.store, rid, prov, api_version(ctx.request)) or invalid_body(ctx.request.checked)
    if refused is not None:
        return refused
    body = dict(ctx.request.body or {})
    props = dict(body.get("properties") or {})
    recover = props.pop("createMode", "default") == "recover"
    existing = ctx.store.get_resource(rid)
    deleted = _deleted(ctx) if existing is None else None
    if deleted is not None and not recover:
        return _error(409, "ConflictError", "Exist soft deleted vault with the same name.")
    if recover and existing is None and deleted is None:
        return _error(404, "ResourceNotFound", f"No deleted vault named '{ctx.match['name']}' was found.")
    if recover and deleted is not None:
        existing = deleted["properties"]["vault"]  # the vault as it was deleted
        ctx.store.delete_resource(deleted["id"])
        props = {**existing["properties"], **{k: v for k, v in props.items() if k in ("tenantId", "sku")}}
    elif (refused := _refusal(existing, props)) is not None:
        return refused
    was = (existing or {}).get("properties") or {}
    props.setdefault("enableSoftDelete", True)
    props.setdefault("softDeleteRetentionInDays", was.get("softDeleteRetentionInDays", 90))
    if was.get("enablePurgeProtection"):
        props["enablePurgeProtection"] = True  # irreversible: a PUT that leaves it out keeps it
    props["vaultUri"] = f"{ctx.base_url}/keyvault/{ctx.match['name']}/"
    props.pop("provisioningState", None)
    base = existing if recover and existing else {}
    resource, created = ctx.store.put_resource(
        rid, TYPE, {**{k: v for k, v in base.items() if k in ("location", "tags")}, **body, "properties": props}
    )
    return put_answer(ctx.store, ctx.base_url, ctx.match["sub"], resource, created or recover)


@action("DELETE", VAULT)
def delete_vault(ctx: ActionContext) -> Response:
    rid = ctx.request.path.rstrip("/")
    found = ctx.store.get_resource(rid)
    if found is None:
        return Response(204)
    ctx.store.delete_resource(rid)
    location = str(found.get("location") or "eastus")
    now = default_clock().now()
    days = int((found.get("properties") or {}).get("softDeleteRetentionInDays", 90))

    ctx.store.put_resource(
        deleted_id(ctx.match["sub"], location, found["name"]),
        DELETED_TYPE,
        {
            "properties": {
                "vaultId": found["id"],
                "location": location,
                "deletionDate": iso(now),
                "scheduledPurgeDate": iso(now + timedelta(days=days)),
                "tags": found.get("tags") or {},
                "purgeProtectionEnabled": bool((found.get("properties") or {}).get("enablePurgeProtection")),
                "vault": found,  # the fake's own record of what a recover brings back (not in a GET answer)
            }
        },
    )
    return Response(200)


@action("GET", DELETED)
def get_deleted_vault(ctx: ActionContext) -> Response:
    m = ctx.match
    found = ctx.store.get_resource(deleted_id(m["sub"], m["location"], m["name"]))
    if found is None:
        return _error(404, "ResourceNotFound", f"The deleted vault '{m['name']}' was not found.")
    found["properties"] = {k: v for k, v in found["properties"].items() if k not in ("vault", "provisioningState")}
    return Response(200, found)
