"""Where the service API key lives in each cloud, and how a key list is written there.

AWS: Secrets Manager secret `mcctl/<env>/service-api-keys`. Azure: Key Vault `mcctl-<env>-kv`, secret
`service-api-keys`. Both hold the same comma-separated list `current[,previous]` (the format the functions'
`MCCTL_FN_SERVICE_API_KEYS` accepts): the first key is presented on outbound calls, every key is accepted.
The functions reference these (`aws-secretsmanager:<name>`, `azure-keyvault:<secret url>`) and re-read them
every `MCCTL_FN_API_KEYS_TTL` seconds, which is what lets a rotation proceed without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.engine.runtime import Runtime

KV_SECRET = "service-api-keys"
MAX_AGE_DAYS = 90


def aws_secret_name(env: Environment) -> str:
    return f"mcctl/{env.name}/service-api-keys"


def vault_name(env: Environment) -> str:
    return f"mcctl-{env.name}-kv"[:24]


def keyvault_secret_url(env: Environment) -> str:
    """The Key Vault secret URL a function's `azure-keyvault:` reference names."""
    from multicloud_ctl.providers.azure.keyvault import vault_url

    return f"{vault_url(env, vault_name(env))}/secrets/{KV_SECRET}"


def split_keys(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split(",") if k.strip()]


@dataclass(frozen=True)
class KeyState:
    """What each store holds now (values stay in memory only: never printed or journaled)."""

    aws_keys: list[str]
    azure_keys: list[str]
    aws_changed: datetime | None
    azure_changed: datetime | None


def read_state(runtime: Runtime) -> KeyState:
    """Both stores' current key lists and last-change times (read-only)."""
    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager
    from multicloud_ctl.providers.azure.keyvault import KeyVaultSecrets, vault_url

    env = runtime.environment
    sm = SecretsManager(runtime.aws)
    described = sm.describe(aws_secret_name(env))
    aws_keys = split_keys(sm.value(aws_secret_name(env))) if described else []
    kv = KeyVaultSecrets(runtime.azure, vault_url(env, vault_name(env))).get(KV_SECRET)
    return KeyState(
        aws_keys,
        split_keys(kv.value if kv else None),
        (described or {}).get("LastChangedDate") or (described or {}).get("CreatedDate"),
        kv.updated if kv else None,
    )


def write_keys(runtime: Runtime, keys: list[str]) -> dict[str, str]:
    """Store `keys` (current first) in both clouds; returns the new version ids."""
    from multicloud_ctl.providers.aws.secretsmanager import SecretsManager
    from multicloud_ctl.providers.azure.keyvault import KeyVaultSecrets, vault_url

    env = runtime.environment
    value = ",".join(keys)
    runtime.secrets.redactor.add(value)
    for key in keys:
        runtime.secrets.redactor.add(key)
    sm = SecretsManager(runtime.aws)
    name = aws_secret_name(env)
    exists = sm.describe(name) is not None
    aws_version = sm.put(name, value) if exists else sm.create(name, value, env.resource_tags())
    azure_version = KeyVaultSecrets(runtime.azure, vault_url(env, vault_name(env))).set(
        KV_SECRET, value, env.resource_tags()
    )
    return {"aws_version": aws_version, "azure_version": azure_version, "keys": str(len(keys))}
