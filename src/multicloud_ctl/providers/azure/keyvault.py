"""Key Vault secrets over the data-plane REST API (azure-core pipeline; no extra SDK needed).

    kv = KeyVaultSecrets(runtime.azure, vault_url(env))
    kv.get("service-api-keys")              # -> SecretValue | None
    kv.set("service-api-keys", "k1,k2")     # new version (mutating: refused under dry run)

Wire format: `GET|PUT {vault}/secrets/{name}?api-version=7.4`, body `{"value": ...}`, answer a SecretBundle
(`value`, `id`, `attributes.created|updated` as epoch seconds). The sandbox serves the same paths from the
fake ARM under `/keyvault/{vault}` (see local/arm/keyvault.py), with the loopback-only http exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from multicloud_ctl import errors

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.providers.azure.clients import AzureClients

API_VERSION = "7.4"
VAULT_SCOPE = "https://vault.azure.net/.default"


def vault_url(env: Environment, vault: str) -> str:
    """The vault's base URL: the sandbox's fake (on the ARM endpoint) or `https://{vault}.vault.azure.net`."""
    arm = env.endpoints().arm
    if env.is_local and arm:
        return f"{arm.rstrip('/')}/keyvault/{vault}"
    return f"https://{vault}.vault.azure.net"


@dataclass(frozen=True)
class SecretValue:
    value: str
    version: str
    updated: datetime | None


@dataclass
class KeyVaultSecrets:
    clients: AzureClients
    url: str

    def _pipeline(self) -> Any:
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import HeadersPolicy, RetryPolicy

        from multicloud_ctl.providers.azure.clients import retry_settings
        from multicloud_ctl.providers.azure.credential import authentication_policy
        from multicloud_ctl.providers.azure.guard import DryRunPolicy

        policies = [
            HeadersPolicy({"Accept": "application/json"}),
            RetryPolicy(**retry_settings(self.clients.environment)),
            authentication_policy(self.clients.credential, VAULT_SCOPE),
            DryRunPolicy(self.clients.guard),
        ]
        return PipelineClient(base_url=self.url, policies=policies)

    def _send(self, method: str, name: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        from azure.core.exceptions import ServiceRequestError
        from azure.core.rest import HttpRequest

        url = f"{self.url.rstrip('/')}/secrets/{name}?api-version={API_VERSION}"
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        try:
            response = self._pipeline().send_request(request)
        except ServiceRequestError as exc:
            raise errors.EndpointUnreachable(f"Key Vault {self.url} unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            rid = response.headers.get("x-ms-request-id")
            raise errors.ProviderError(
                f"Key Vault {method} secret {name}: HTTP {response.status_code} (request id {rid})"
            )
        return dict(json.loads(response.text() or "{}"))

    def get(self, name: str) -> SecretValue | None:
        """The latest version of secret `name`, or None."""
        data = self._send("GET", name)
        if data is None:
            return None
        updated = (data.get("attributes") or {}).get("updated")
        return SecretValue(
            str(data.get("value", "")),
            str(data.get("id", "")).rsplit("/", 1)[-1],
            datetime.fromtimestamp(int(updated), UTC) if updated else None,
        )

    def set(self, name: str, value: str, tags: dict[str, str] | None = None) -> str:
        """Store a new version of secret `name`; returns the version id."""
        data = self._send("PUT", name, {"value": value, "tags": tags or {}}) or {}
        return str(data.get("id", "")).rsplit("/", 1)[-1]
