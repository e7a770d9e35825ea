"""The Cognito app client the web front end uses; it may read the cross-cloud custom attributes.

App clients carry no tags: destroy goes by the user pool's tags.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind
from multicloud_ctl.operations.provision.kinds.cognito_user_pool import CognitoUserPool
from multicloud_ctl.operations.provision.model import Resource

FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]


class Settings(KindSettings):
    client_name: str = "mcctl-web"
    id_token_validity_minutes: int = 60


class CognitoAppClient(ResourceKind):
    name = "cognito_app_client"
    provider = "aws"
    settings = Settings
    description = "Cognito app client (no secret) reading the cross-cloud claims"

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        claims = ctx.settings(CognitoUserPool.name).custom_claims
        pool = ctx.env.aws.user_pool
        attrs = {
            "explicit_auth_flows": FLOWS,
            "read_attributes": sorted(["email", *(f"custom:{c}" for c in claims)]),
            "id_token_validity": s.id_token_validity_minutes,
        }
        return [
            self.make(
                ctx,
                s.client_name,
                attrs,
                region=ctx.regions[0],
                inputs={"pool": pool, "client": s.client_name},
                depends_on=[f"{CognitoUserPool.name}/{pool}"],
            )
        ]

    def _admin(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.cognito import CognitoAdmin

        return CognitoAdmin(runtime.aws, res.region)

    def _config(self, res: Resource) -> dict[str, Any]:
        a = res.attrs
        return {
            "ExplicitAuthFlows": a["explicit_auth_flows"],
            "ReadAttributes": a["read_attributes"],
            "IdTokenValidity": a["id_token_validity"],
            "TokenValidityUnits": {"IdToken": "minutes"},
        }

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        client = admin.find_client(pool["Id"], res.inputs["client"]) if pool else None
        if client is None:
            return None
        return {
            "explicit_auth_flows": sorted(client.get("ExplicitAuthFlows", [])),
            "read_attributes": sorted(client.get("ReadAttributes", [])),
            "id_token_validity": client.get("IdTokenValidity"),
            "id": client["ClientId"],
        }

    def live_tags(self, runtime: Any, res: Resource) -> dict[str, str] | None:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        if pool is None or admin.find_client(pool["Id"], res.inputs["client"]) is None:
            return None
        return dict(pool.get("UserPoolTags") or {})

    def create(self, runtime: Any, res: Resource) -> Any:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        return {"id": admin.create_client(pool["Id"], res.inputs["client"], self._config(res))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        client = admin.find_client(pool["Id"], res.inputs["client"])
        admin.update_client(pool["Id"], client["ClientId"], res.inputs["client"], self._config(res))
        return {"updated": changed}

    def delete(self, runtime: Any, res: Resource) -> Any:
        admin = self._admin(runtime, res)
        pool = admin.find_pool(res.inputs["pool"])
        client = admin.find_client(pool["Id"], res.inputs["client"]) if pool else None
        if client:
            admin.delete_client(pool["Id"], client["ClientId"])
        return {"deleted": res.inputs["client"]}
