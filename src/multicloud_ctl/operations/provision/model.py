"""The data of provisioning: a desired `Resource`, an attribute `Change`, and a `ResourcePlan`.

Desired attributes are plain JSON (dicts, lists, scalars) in the same shape a kind's `read` returns for
the live resource, so diffing is generic: every key the desired side names is compared; keys only the live
side has (server defaults, extra tags) are ignored. Lists are compared in order (pool order matters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "update", "noop", "delete", "skip"]


@dataclass(frozen=True)
class Resource:
    """One resource as the config wants it: `kind/name`, where, its compared attributes and its inputs."""

    kind: str
    name: str
    attrs: dict[str, Any]
    region: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)  # needed to create, not compared (key schema...)
    depends_on: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.attrs.get("tags") or {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "region": self.region,
            "attrs": self.attrs,
            "inputs": self.inputs,
            "depends_on": list(self.depends_on),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Resource:
        return cls(
            kind=data["kind"],
            name=data["name"],
            attrs=_thaw(data["attrs"]),
            region=data.get("region", ""),
            inputs=_thaw(data.get("inputs") or {}),
            depends_on=tuple(data.get("depends_on") or ()),
        )


@dataclass(frozen=True)
class Change:
    """One attribute that differs: its dotted path, the live value and the desired value."""

    path: str
    live: Any
    desired: Any

    @property
    def top(self) -> str:
        return self.path.split(".", 1)[0].split("[", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "live": self.live, "desired": self.desired}

    def __str__(self) -> str:
        return f"{self.path}: {_short(self.live)} -> {_short(self.desired)}"


@dataclass(frozen=True)
class ResourcePlan:
    """What plan/apply/drift decided for one resource."""

    resource: Resource
    action: Action
    changes: tuple[Change, ...] = ()
    reason: str = ""

    @property
    def address(self) -> str:
        return self.resource.address

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "address": self.address,
            "kind": self.resource.kind,
            "name": self.resource.name,
            "region": self.resource.region,
            "action": self.action,
            "changes": [c.to_dict() for c in self.changes],
        }
        if self.reason:
            out["reason"] = self.reason
        return out


def diff(desired: Any, live: Any, path: str = "") -> list[Change]:
    """Every difference between `desired` and `live`, limited to what `desired` names."""
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return [Change(path or "(root)", live, desired)]
        out: list[Change] = []
        for key, want in desired.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in live:
                out.append(Change(sub, None, want))
            else:
                out.extend(diff(want, live[key], sub))
        return out
    if isinstance(desired, list):
        if not isinstance(live, list) or len(live) != len(desired):
            return [Change(path, live, desired)]
        if all(isinstance(d, dict) for d in desired):
            out = []
            for i, (d, x) in enumerate(zip(desired, live, strict=True)):
                out.extend(diff(d, x, f"{path}[{i}]"))
            return out
        return [] if live == desired else [Change(path, live, desired)]
    return [] if _same(desired, live) else [Change(path, live, desired)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def _thaw(value: Any) -> Any:
    """Plain dicts/lists from the read-only mappings a frozen plan step holds."""
    if hasattr(value, "items"):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
