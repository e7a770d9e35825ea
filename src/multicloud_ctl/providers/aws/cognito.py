"""Cognito user pool + app client administration for provision, and the lookups deploy and audit make.

Pools and app clients are found by name (their ids are generated): `pool_id` and `client_ids` for the
functions' settings (`operations/deploy/fnenv.py`), `find_pool`/`find_client` (described) for provision.

UpdateUserPool and UpdateUserPoolClient replace the whole configuration: "If you don't provide a value for an
attribute, Amazon Cognito sets it to its default value" (API reference of both calls). So an update reads the
current settings, keeps every one the update can carry, overlays ours (nested objects merged key by key) and
writes the whole set: a setting someone manages outside mcctl survives our update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


def merged(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """`current` with `desired` laid over it; nested objects are merged key by key, lists replaced."""
    out = dict(current)
    for key, value in desired.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class CognitoAdmin:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("cognito-idp", self.region)

    def pool_id(self, name: str) -> str | None:
        """The id of the first pool named `name`, or None."""
        with aws_errors("ListUserPools", name):
            pages = self._c.get_paginator("list_user_pools").paginate(MaxResults=60)
            for page in pages:
                for pool in page.get("UserPools", []):
                    if pool["Name"] == name:
                        return str(pool["Id"])
        return None

    def find_pool(self, name: str) -> dict[str, Any] | None:
        """The pool named `name` (described), or None."""
        pool_id = self.pool_id(name)
        if pool_id is None:
            return None
        with aws_errors("DescribeUserPool", pool_id):
            return dict(self._c.describe_user_pool(UserPoolId=pool_id)["UserPool"])

    def client_ids(self, pool_id: str) -> list[str]:
        """The ids of the pool's app clients, in the order Cognito lists them."""
        with aws_errors("ListUserPoolClients", pool_id):
            pages = self._c.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60)
            return [str(c["ClientId"]) for page in pages for c in page.get("UserPoolClients", [])]

    def create_pool(
        self, name: str, schema: list[dict[str, Any]], policies: dict[str, Any], tags: dict[str, str]
    ) -> str:
        with aws_errors("CreateUserPool", name):
            out = self._c.create_user_pool(
                PoolName=name,
                Schema=schema,
                Policies=policies,
                UserPoolTags=tags,
                AutoVerifiedAttributes=["email"],
                UsernameAttributes=["email"],
            )
        return str(out["UserPool"]["Id"])

    def _settable(self, operation: str, described: dict[str, Any]) -> dict[str, Any]:
        """The described settings that `operation` accepts (its input members, from the service model)."""
        members = self._c.meta.service_model.operation_model(operation).input_shape.members
        return {k: v for k, v in described.items() if k in members}

    def update_pool(self, pool_id: str, policies: dict[str, Any], tags: dict[str, str]) -> None:
        """Set our password policy and tags, keeping every other setting of the pool as it is."""
        with aws_errors("DescribeUserPool", pool_id):
            current = dict(self._c.describe_user_pool(UserPoolId=pool_id)["UserPool"])
        config = self._settable("UpdateUserPool", current)
        config.pop("UserPoolId", None)
        admin = dict(config.get("AdminCreateUserConfig") or {})
        if admin.pop("UnusedAccountValidityDays", None) is not None:  # deprecated: PasswordPolicy carries it now
            config["AdminCreateUserConfig"] = admin
        desired = {
            "Policies": policies,
            "UserPoolTags": tags,
            "AutoVerifiedAttributes": ["email"],
        }
        with aws_errors("UpdateUserPool", pool_id):
            self._c.update_user_pool(UserPoolId=pool_id, **merged(config, desired))

    def add_attributes(self, pool_id: str, schema: list[dict[str, Any]]) -> None:
        with aws_errors("AddCustomAttributes", pool_id):
            self._c.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=schema)

    def delete_pool(self, pool_id: str) -> None:
        with aws_errors("DeleteUserPool", pool_id):
            self._c.delete_user_pool(UserPoolId=pool_id)

    def find_client(self, pool_id: str, name: str) -> dict[str, Any] | None:
        with aws_errors("ListUserPoolClients", pool_id):
            pages = self._c.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60)
            for page in pages:
                for client in page.get("UserPoolClients", []):
                    if client["ClientName"] == name:
                        return dict(
                            self._c.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])[
                                "UserPoolClient"
                            ]
                        )
        return None

    def create_client(self, pool_id: str, name: str, config: dict[str, Any]) -> str:
        with aws_errors("CreateUserPoolClient", name):
            out = self._c.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **config)
        return str(out["UserPoolClient"]["ClientId"])

    def update_client(self, pool_id: str, client_id: str, name: str, config: dict[str, Any]) -> None:
        """Set `config` on the app client, keeping every setting it does not name."""
        with aws_errors("DescribeUserPoolClient", client_id):
            current = dict(self._c.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"])
        whole = self._settable("UpdateUserPoolClient", current)
        for key in ("UserPoolId", "ClientId"):
            whole.pop(key, None)
        with aws_errors("UpdateUserPoolClient", name):
            self._c.update_user_pool_client(
                UserPoolId=pool_id, ClientId=client_id, **merged(whole, {**config, "ClientName": name})
            )

    def delete_client(self, pool_id: str, client_id: str) -> None:
        try:
            with aws_errors("DeleteUserPoolClient", client_id):
                self._c.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        except NotFound:
            return
