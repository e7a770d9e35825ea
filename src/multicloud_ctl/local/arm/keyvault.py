"""Fake Azure Key Vault secrets on the fake ARM: `/keyvault/{vault}/secrets/{name}[/{version}]`.

Speaks the data plane's wire format (`PUT` with `{"value", "tags"}`, `GET` latest or a version, a
SecretBundle with `value`, `id` = `{vault}/secrets/{name}/{version}`, `attributes.created|updated` in epoch
seconds). The bearer token is checked only for presence (by the ARM server), as everywhere in the fake.
Versions live in the shared store under the same path, so `/_admin/reset` clears them.
"""

from __future__ import annotations

import uuid
from typing import Any

from multicloud_ctl.engine.clock import default_clock
from multicloud_ctl.local.arm.actions import ActionContext, action
from multicloud_ctl.local.jsonhttp import Response

SECRET = r"/keyvault/(?P<vault>[a-z0-9-]+)/secrets/(?P<name>[A-Za-z0-9-]+)"
TYPE = "Microsoft.KeyVault/vaults/secrets"


def _key(ctx: ActionContext) -> str:
    return f"/keyvault/{ctx.match['vault']}/secrets/{ctx.match['name']}"


def _bundle(ctx: ActionContext, version: dict[str, Any]) -> dict[str, Any]:
    base = f"{ctx.base_url}{_key(ctx)}"
    return {
        "value": version["value"],
        "id": f"{base}/{version['version']}",
        "tags": version.get("tags") or {},
        "attributes": {"enabled": True, "created": version["created"], "updated": version["created"]},
    }


def _not_found(name: str) -> Response:
    return Response(
        404,
        {
            "error": {
                "code": "SecretNotFound",
                "message": f"A secret with (name/id) {name} was not found in this key vault.",
            }
        },
    )


@action("PUT", SECRET)
def set_secret(ctx: ActionContext) -> Response:
    body = ctx.request.body if isinstance(ctx.request.body, dict) else {}
    if not isinstance(body.get("value"), str):
        return Response(400, {"error": {"code": "BadParameter", "message": "value is required"}})
    found = ctx.store.get_resource(_key(ctx))
    versions = list(((found or {}).get("properties") or {}).get("versions") or [])
    version = {
        "version": uuid.uuid4().hex,
        "value": body["value"],
        "tags": body.get("tags") or {},
        "created": int(default_clock().timestamp()),
    }
    versions.append(version)
    ctx.store.put_resource(_key(ctx), TYPE, {"properties": {"versions": versions}})
    return Response(200, _bundle(ctx, version))


@action("GET", SECRET + r"(?:/(?P<version>[0-9a-f]{32}))?")
def get_secret(ctx: ActionContext) -> Response:
    found = ctx.store.get_resource(_key(ctx))
    versions = list(((found or {}).get("properties") or {}).get("versions") or [])
    wanted = ctx.match.groupdict().get("version")
    for version in reversed(versions):
        if wanted in (None, version["version"]):
            return Response(200, _bundle(ctx, version))
    return _not_found(ctx.match["name"])
