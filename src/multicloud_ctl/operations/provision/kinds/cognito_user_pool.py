"""The Cognito user pool (primary region) with the custom attributes that carry the cross-cloud claims.

`custom:clouds` (which clouds may serve the user), `custom:tenant_id` and `custom:roles` end up in the ID
token, which both AWS and Azure functions verify against the pool's JWKS.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind, only_keys
from multicloud_ctl.operations.provision.model import Resource

CLAIMS = ("clouds", "roles", "tenant_id")


class Settings(KindSettings):
    password_min_length: int = 12
    custom_claims: list[str] = list(CLAIMS)


def schema(claims: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "Name": c,
            "AttributeDataType": "String",
            "Mutable": True,
            "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "256"},
        }
        for c in claims
    ]


def policies(min_length: int) -> dict[str, Any]:
    return {
        "PasswordPolicy": {
            "MinimumLength": min_length,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
        }
    }


class CognitoUserPool(ResourceKind):
    name = "cognito_user_pool"
    provider = "aws"
    settings = Settings
    description = "Cognito user pool with cross-cloud custom attributes"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        region = ctx.regions[0]
        attrs = {
            "custom_attributes": sorted(f"custom:{c}" for c in s.custom_claims),
            "password_min_length": s.password_min_length,
            "tags": ctx.tags,
        }
        return [
            self.make(
                ctx,
                ctx.env.aws.user_pool,
                attrs,
                region=region,
                inputs={"pool": ctx.env.aws.user_pool, "claims": list(s.custom_claims)},
            )
        ]

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.cognito import CognitoAdmin

        return CognitoAdmin(runtime.aws, res.region)

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        pool = self._admin(runtime, res).find_pool(res.inputs["pool"])
        if pool is None:
            return None
        names = sorted(a["Name"] for a in pool.get("SchemaAttributes", []) if a["Name"].startswith("custom:"))
        wanted = set(res.attrs["custom_attributes"])
        return {
            "custom_attributes": [n for n in names if n in wanted],
            "password_min_length": pool.get("Policies", {}).get("PasswordPolicy", {}).get("MinimumLength"),
            "tags": only_keys(pool.get("UserPoolTags") or {}, res.tags),
            "id": pool["Id"],
        }

    def create(self, runtime: Any, res: Resource) -> Any:
        pool_id = self._admin(runtime, res).create_pool(
            res.inputs["pool"],
            schema(res.inputs["claims"]),
            policies(res.attrs["password_min_length"]),
            res.tags,
        )
        return {"id": pool_id}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        if "custom_attributes" in changed:
            have = {a["Name"] for a in pool.get("SchemaAttributes", [])}
            missing = [c for c in res.inputs["claims"] if f"custom:{c}" not in have]
            if missing:
                admin.add_attributes(pool["Id"], schema(missing))
        if {"password_min_length", "tags"} & set(changed):
            admin.update_pool(pool["Id"], policies(res.attrs["password_min_length"]), res.tags)
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        if pool:
            admin.delete_pool(pool["Id"])
        return {"deleted": res.inputs["pool"]}
