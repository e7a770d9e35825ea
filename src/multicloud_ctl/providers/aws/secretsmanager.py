"""Secrets Manager calls mcctl uses: describe, read the current or a staged value, create, put a new version.

`current` resolves `aws-secretsmanager:ARN` references (`engine/runtime.py`); the rest serve the security
verbs. Values are returned to the caller only; they are never logged here. `put` moves the given staging
labels (AWSCURRENT by default, which also moves AWSPREVIOUS), exactly as Secrets Manager's rotation protocol does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class SecretsManager:
    clients: AwsClients
    region: str | None = None

    @property
    def _c(self) -> Any:
        return self.clients.client("secretsmanager", self.region)

    def describe(self, name: str) -> dict[str, Any] | None:
        """DescribeSecret (dates, rotation, stages), or None when the secret does not exist."""
        try:
            with aws_errors("DescribeSecret", name):
                return dict(self._c.describe_secret(SecretId=name))
        except NotFound:
            return None

    def current(self, secret_id: str) -> str:
        """The current value of secret `secret_id` (name or ARN): its string, or its binary decoded as UTF-8.

        Raises NotFound when there is no such secret.
        """
        with aws_errors("GetSecretValue", secret_id):
            value = self._c.get_secret_value(SecretId=secret_id)
        return str(value.get("SecretString") or value.get("SecretBinary", b"").decode())

    def value(self, name: str, stage: str = "AWSCURRENT") -> str | None:
        """The secret string carrying `stage`, or None when there is none."""
        try:
            with aws_errors("GetSecretValue", name):
                return str(self._c.get_secret_value(SecretId=name, VersionStage=stage)["SecretString"])
        except NotFound:
            return None

    def create(self, name: str, value: str, tags: dict[str, str]) -> str:
        with aws_errors("CreateSecret", name):
            out = self._c.create_secret(
                Name=name, SecretString=value, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        return str(out["ARN"])

    def put(self, name: str, value: str, stages: tuple[str, ...] = ("AWSCURRENT",)) -> str:
        """A new version carrying `stages`; returns its version id."""
        with aws_errors("PutSecretValue", name):
            out = self._c.put_secret_value(SecretId=name, SecretString=value, VersionStages=list(stages))
        return str(out["VersionId"])
