"""Secret references: `env:NAME`, `aws-secretsmanager:ARN`, `azure-keyvault:URI`, resolved only at use.

A config or playbook never holds a secret value: a field typed `SecretRef` accepts only a reference, and a
value that looks pasted in (anything else) is refused at load time. `Redactor` masks every resolved value
and every secret-looking key in journals, logs and error messages.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator

from multicloud_ctl.errors import SecretError

SECRET_SCHEMES = ("env", "aws-secretsmanager", "azure-keyvault", "literal-dev")
_REF = re.compile(r"^(env|aws-secretsmanager|azure-keyvault|literal-dev):(.+)$")
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|api[_-]?key|access[_-]?key|credential|"
    r"connection[_-]?string|private[_-]?key|sas)",
    re.IGNORECASE,
)
REDACTED = "***"


def _check_ref(value: str) -> str:
    if not _REF.match(value):
        raise ValueError(
            "expected a secret reference (env:NAME, aws-secretsmanager:ARN or azure-keyvault:URI), "
            "not a value: never paste secrets into YAML"
        )
    return value


SecretRef = Annotated[str, AfterValidator(_check_ref)]
"""A pydantic field type for a reference to a secret (never the secret itself)."""


def is_reference(value: str) -> bool:
    """True when `value` is a secret reference rather than a plain value."""
    return bool(_REF.match(value))


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True when a mapping key names something secret (its value is masked in output).

    Cached: the journal asks for every key of every line, and a run's keys are a small, repeating set.
    """
    return bool(_SECRET_KEY.search(key))


@dataclass
class Redactor:
    """Masks secret values and secret-named keys in anything we write."""

    values: set[str] = field(default_factory=set)

    def add(self, value: str) -> None:
        if value and len(value) >= 4:
            self.values.add(value)

    def text(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text

    def data(self, value: Any, key: str = "") -> Any:
        if key and is_secret_key(key) and isinstance(value, str) and not _REF.match(value):
            return REDACTED
        if isinstance(value, dict):
            return {k: self.data(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


@dataclass
class SecretResolver:
    """Resolves references at use; every resolved value is registered with the redactor."""

    redactor: Redactor = field(default_factory=Redactor)
    aws_fetch: Callable[[str], str] | None = None
    azure_fetch: Callable[[str], str] | None = None
    _cache: dict[str, str] = field(default_factory=dict)

    def resolve(self, ref: str) -> str:
        if ref in self._cache:
            return self._cache[ref]
        match = _REF.match(ref)
        if not match:
            raise SecretError(
                "a secret value was given where a reference is expected",
                hint="use env:NAME, aws-secretsmanager:ARN or azure-keyvault:URI",
            )
        scheme, target = match.groups()
        if scheme == "env":
            value = os.environ.get(target)
            if value is None:
                raise SecretError(
                    f"secret reference env:{target} is not set in the environment",
                    hint=f"export {target}=... before running mcctl",
                )
        elif scheme == "literal-dev":
            # Only for well-known public emulator keys (Azurite's documented dev key): never a real secret.
            value = target
        elif scheme == "aws-secretsmanager":
            if self.aws_fetch is None:
                raise SecretError(f"cannot resolve {scheme}: reference: no AWS session configured")
            value = self.aws_fetch(target)
        else:
            if self.azure_fetch is None:
                raise SecretError(f"cannot resolve {scheme}: reference: no Key Vault client configured")
            value = self.azure_fetch(target)
        self.redactor.add(value)
        self._cache[ref] = value
        return value
