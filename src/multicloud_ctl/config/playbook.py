"""The playbook envelope (`apiVersion`, `kind`, `metadata`, `spec`) and the registry of spec models per kind.

Validation runs in layers: YAML structure, then the envelope, then the kind's spec model (each spec module
under `config/specs/` owns its kind). Playbooks name actions from closed registries, never Python callables
or shell commands.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from multicloud_ctl.config.loader import PLAYBOOK_FILE, validate_model
from multicloud_ctl.config.yamlsource import load_yaml
from multicloud_ctl.errors import ConfigError

# kind -> "module:Class" of its spec model, imported only when that kind is loaded.
KIND_SPECS: dict[str, str] = {
    "Provision": "multicloud_ctl.config.specs.provision:ProvisionSpec",
    "Deploy": "multicloud_ctl.config.specs.deploy:DeploySpec",
    "Sync": "multicloud_ctl.config.specs.sync:SyncSpec",
    "Backup": "multicloud_ctl.config.specs.backup:BackupSpec",
    "Failover": "multicloud_ctl.config.specs.failover:FailoverSpec",
    "Drill": "multicloud_ctl.config.specs.failover:DrillSpec",
    "Health": "multicloud_ctl.config.specs.health:HealthSpec",
    "Cost": "multicloud_ctl.config.specs.cost:CostSpec",
    "Observability": "multicloud_ctl.config.specs.observability:ObservabilitySpec",
}

S = TypeVar("S", bound=BaseModel)


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    description: str = ""
    labels: dict[str, str] = {}


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    apiVersion: Literal["mcctl/v1"]
    kind: str
    metadata: Metadata
    spec: dict[str, Any]  # required: a playbook without one says nothing (write `spec: {}` for all defaults)


class Playbook(BaseModel, Generic[S]):
    """A validated playbook: its envelope fields, its typed spec, and where it came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    api_version: str
    kind: str
    metadata: Metadata
    spec: S
    path: Path


def spec_model(kind: str) -> type[BaseModel]:
    """The spec model registered for `kind`."""
    target = KIND_SPECS[kind]
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]


def load_playbook(
    path: Path, expected_kind: str | None = None, *, environments: set[str] | None = None
) -> Playbook[Any]:
    """Load, expand and validate one playbook file; with `environments` (the config directory's names,
    `loader.known_environments`), per-environment sections must name one of them."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: a playbook must be a mapping with apiVersion, kind, metadata and spec",
            hint="`mcctl playbook schema` prints the shape; playbooks/ has examples",
        )
    envelope = validate_model(Envelope, data, path, lines)
    if envelope.kind not in KIND_SPECS:
        line = lines.line_for(("kind",)) or 1
        raise ConfigError(
            f"{path}:{line} kind: unknown kind {envelope.kind!r}", hint=f"one of: {', '.join(KIND_SPECS)}"
        )
    if expected_kind is not None and envelope.kind != expected_kind:
        line = lines.line_for(("kind",)) or 1
        raise ConfigError(
            f"{path}:{line} kind: expected a {expected_kind} playbook, got {envelope.kind}",
            hint="pass the right file with --playbook",
        )
    spec = validate_model(
        spec_model(envelope.kind),
        envelope.spec,
        path,
        lines,
        prefix=("spec",),
        context={**PLAYBOOK_FILE, "environments": environments},
    )
    return Playbook(
        api_version=envelope.apiVersion, kind=envelope.kind, metadata=envelope.metadata, spec=spec, path=path
    )


def playbook_json_schema() -> dict[str, Any]:
    """A JSON Schema covering every kind: the envelope with `spec` chosen by `kind`."""
    defs: dict[str, Any] = {}
    branches = []
    for kind in KIND_SPECS:
        schema = spec_model(kind).model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[f"{kind}Spec"] = schema
        branches.append(
            {
                "if": {"properties": {"kind": {"const": kind}}},
                "then": {"properties": {"spec": {"$ref": f"#/$defs/{kind}Spec"}}},
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mcctl playbook",
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "mcctl/v1"},
            "kind": {"enum": list(KIND_SPECS)},
            "metadata": Metadata.model_json_schema(),
            "spec": {"type": "object"},
        },
        "allOf": branches,
        "$defs": defs,
    }
