"""Secret references in function settings: `env:NAME`, `literal-dev:VALUE`, `aws-secretsmanager:ARN[#key]`,
`azure-keyvault:SECRET-URL` (Key Vault REST with the managed identity's token; the sandbox's fake vault
accepts `MCCTL_FN_KEYVAULT_TOKEN`; plain http only to loopback).

A value without a known scheme is taken literally (Azure resolves Key Vault references in app settings before
the process starts). Resolution failures never echo the secret, only the reference.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping

from multicloud_ctl.functions.config import ConfigError


def _aws_secret(ref: str) -> str:
    import boto3

    arn, _, field = ref.partition("#")
    region = arn.split(":")[3] if arn.startswith("arn:") else None
    endpoint = os.environ.get("MCCTL_FN_AWS_ENDPOINT") or None
    sm = boto3.session.Session().client(
        "secretsmanager",
        region_name=region or os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_url=endpoint,
    )
    value = str(sm.get_secret_value(SecretId=arn)["SecretString"])
    if field:
        return str(json.loads(value)[field])
    return value


def _vault_token() -> str:
    endpoint, header = os.environ.get("IDENTITY_ENDPOINT"), os.environ.get("IDENTITY_HEADER")
    if endpoint and header:  # App Service / Functions managed identity protocol
        query = urllib.parse.urlencode({"resource": "https://vault.azure.net", "api-version": "2019-08-01"})
        req = urllib.request.Request(f"{endpoint}?{query}", headers={"X-IDENTITY-HEADER": header})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return str(json.loads(resp.read())["access_token"])
    return os.environ.get("MCCTL_FN_KEYVAULT_TOKEN", "")


def _azure_secret(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(f"secret reference azure-keyvault:{url}: https is required")
    req = urllib.request.Request(
        f"{url}?api-version=7.4", headers={"Authorization": f"Bearer {_vault_token()}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return str(json.loads(resp.read())["value"])


def resolve(
    value: str,
    *,
    env: Mapping[str, str] | None = None,
    aws_lookup: Callable[[str], str] = _aws_secret,
    azure_lookup: Callable[[str], str] = _azure_secret,
) -> str:
    """The secret value behind `value` (or `value` itself when it is not a reference)."""
    env = os.environ if env is None else env
    scheme, sep, rest = value.partition(":")
    if not sep:
        return value
    if scheme == "env":
        if rest not in env:
            raise ConfigError(f"secret reference env:{rest}: variable is not set")
        return env[rest]
    if scheme == "literal-dev":
        return rest
    if scheme == "aws-secretsmanager":
        try:
            return aws_lookup(rest)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"secret reference aws-secretsmanager:{rest}: {type(exc).__name__}") from None
    if scheme == "azure-keyvault":
        try:
            return azure_lookup(rest)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"secret reference azure-keyvault:{rest}: {type(exc).__name__}") from None
    return value


def resolve_list(value: str, **kwargs: object) -> list[str]:
    """A comma-separated list whose items may each be references (e.g. current,previous API keys)."""
    return [resolve(part.strip(), **kwargs) for part in value.split(",") if part.strip()]  # type: ignore[arg-type]
