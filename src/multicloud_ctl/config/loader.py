"""Load and validate environments and playbooks into typed models, with file:line errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from multicloud_ctl.config.yamlsource import LineMap, format_loc, load_yaml
from multicloud_ctl.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
}


def validation_messages(exc: ValidationError, path: Path, lines: LineMap, prefix: tuple = ()) -> list[str]:
    """One `file:line field.path: message` per pydantic error."""
    out = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))))
        line = lines.line_for(loc)
        where = f"{path}:{line}" if line else str(path)
        msg = _MESSAGES.get(err["type"], err["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        msg = msg[0].lower() + msg[1:] if msg else msg
        out.append(f"{where} {format_loc(loc)}: {msg}")
    return out


PLAYBOOK_FILE = {"source": "playbook"}  # validation context: the spec comes from a playbook file an operator wrote


def validate_model(
    model: type[M], data: Any, path: Path, lines: LineMap, prefix: tuple = (), context: dict[str, Any] | None = None
) -> M:
    """Validate `data` into `model`; raise one ConfigError naming the first error (and how many more).

    `context` reaches the model's validators (pydantic's validation context): specs check with
    `PLAYBOOK_FILE` what a playbook must say that code building a spec for a read-only command need not."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        messages = validation_messages(exc, path, lines, prefix)
        more = f" (and {len(messages) - 1} more; `mcctl playbook validate` lists all)" if len(messages) > 1 else ""
        err = ConfigError(messages[0] + more, hint="fix the field named above")
        err.all_messages = messages  # type: ignore[attr-defined]
        raise err from exc


def known_environments(config_dir: Path) -> set[str] | None:
    """The environment names of a config directory (`<name>.yaml`, and `<name>.example.yaml` as the shipped
    examples of `prod` and `staging` are named); None when there is no such directory (nothing to check)."""
    if not config_dir.is_dir():
        return None
    return {p.name.removesuffix(".yaml").removesuffix(".example") for p in config_dir.glob("*.yaml")}


def environment_path(name: str, config_dir: Path) -> Path:
    return config_dir / f"{name}.yaml"


def load_environment(name: str, config_dir: Path) -> Any:
    """Load `config_dir/<name>.yaml` as an `Environment`."""
    from multicloud_ctl.config.environment import Environment

    if not _ENV_NAME.fullmatch(name):  # a name, not a path: '../x' or 5,000 characters crashed the lookup
        raise ConfigError(
            f"{name[:80]!r} is not an environment name",
            hint="letters, digits, '.', '_' and '-', at most 64 (the file is config/<env>.yaml)",
        )
    path = environment_path(name, config_dir)
    try:
        exists = path.exists()
        known = sorted(p.stem for p in config_dir.glob("*.yaml")) if not exists and config_dir.is_dir() else []
    except OSError as exc:  # a name too long for the file system, a loop of links
        raise ConfigError(
            f"config directory {str(config_dir)[:80]}: cannot read: {exc.strerror or exc}",
            hint="--config-dir (or MCCTL_CONFIG_DIR) names the directory holding <env>.yaml",
        ) from exc
    if not exists:
        raise ConfigError(
            f"environment {name!r} not found: {path} does not exist",
            hint=f"known environments: {', '.join(known) or 'none'}; use --env or --config-dir"
            + ("" if known else "; `mcctl init` writes a working config/ and playbooks/ (~/.config/mcctl or DIR)"),
        )
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: an environment file must be a mapping", hint="config/local.yaml is an example of one"
        )
    env = validate_model(Environment, data, path, lines)
    return env.anchored(config_dir.parent)
