"""IAM roles for provision: a role with a trust policy and inline policies (found by name).

IAM is global; the client is homed in us-east-1. Policy documents come back URL-decoded dicts from boto3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


def _document(value: Any) -> dict[str, Any]:
    """boto3 decodes IAM policy documents to dicts; a string (URL-decoded JSON) is parsed."""
    if isinstance(value, str):
        from urllib.parse import unquote

        return dict(json.loads(unquote(value)))
    return dict(value)


@dataclass
class IamAdmin:
    clients: AwsClients

    @property
    def _c(self) -> Any:
        return self.clients.client("iam", "us-east-1")  # a global service

    def trust_policy(self, role: str) -> dict[str, Any] | None:
        """The role's trust (assume-role) policy, or None when the role does not exist."""
        try:
            with aws_errors("GetRole", role):
                out = self._c.get_role(RoleName=role)
        except NotFound:
            return None
        return _document(out["Role"]["AssumeRolePolicyDocument"])

    def create_role(self, role: str, trust: dict[str, Any], description: str) -> bool:
        """Create the role; False when it exists already (a parallel step that shares it created it first)."""
        from botocore.exceptions import ClientError

        with aws_errors("CreateRole", role):
            try:
                self._c.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust), Description=description)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "EntityAlreadyExists":
                    return False
                raise
        return True

    def set_trust_policy(self, role: str, trust: dict[str, Any]) -> None:
        with aws_errors("UpdateAssumeRolePolicy", role):
            self._c.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))

    def inline_policy(self, role: str, name: str) -> dict[str, Any] | None:
        """The role's inline policy `name`, or None when it (or the role) does not exist."""
        try:
            with aws_errors("GetRolePolicy", f"{role}/{name}"):
                out = self._c.get_role_policy(RoleName=role, PolicyName=name)
        except NotFound:
            return None
        return _document(out["PolicyDocument"])

    def put_inline_policy(self, role: str, name: str, document: dict[str, Any]) -> None:
        with aws_errors("PutRolePolicy", f"{role}/{name}"):
            self._c.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))

    def delete_inline_policy(self, role: str, name: str) -> None:
        try:
            with aws_errors("DeleteRolePolicy", f"{role}/{name}"):
                self._c.delete_role_policy(RoleName=role, PolicyName=name)
        except NotFound:
            return

    def delete_role_if_unused(self, role: str) -> None:
        """Delete the role once no inline policy is left on it (other buckets may still share it)."""
        try:
            with aws_errors("ListRolePolicies", role):
                names = self._c.list_role_policies(RoleName=role).get("PolicyNames", [])
            if not names:
                with aws_errors("DeleteRole", role):
                    self._c.delete_role(RoleName=role)
        except NotFound:
            return
