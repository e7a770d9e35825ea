"""Plans are data: an ordered tuple of frozen steps, each one call on a provider client.

An operation builds a `Plan` from read-only calls; the executor either displays it (`--dry-run`) or applies
it. What `--dry-run` shows is exactly what apply runs, because both walk the same steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _freeze(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


@dataclass(frozen=True)
class Step:
    """One unit of work: `action` (a name in the action registry) called with `params`.

    `mutating` steps are never run under `--dry-run`. `rollback`, when set, is the step that undoes this
    one; the executor runs it (in reverse order) when a later step or verification fails or on Ctrl-C.
    """

    id: str
    action: str
    description: str
    provider: str = "local"
    params: Mapping[str, Any] = field(default_factory=dict)
    mutating: bool = True
    resource: str = ""
    rollback: Step | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _freeze(self.params))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "action": self.action,
            "provider": self.provider,
            "resource": self.resource,
            "description": self.description,
            "mutating": self.mutating,
            "params": dict(self.params),
        }
        if self.rollback is not None:
            out["rollback"] = self.rollback.to_dict()
        return out


@dataclass(frozen=True)
class Plan:
    """What a verb intends to do, and how to check that it worked."""

    verb: str
    steps: tuple[Step, ...] = ()
    verify: tuple[Step, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [s.id for s in (*self.steps, *self.verify)]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate step ids in plan: {sorted(dupes)}")
        object.__setattr__(self, "summary", _freeze(self.summary))

    @property
    def mutating_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.mutating)

    @property
    def is_empty(self) -> bool:
        return not self.mutating_steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "verb": self.verb,
            "steps": [s.to_dict() for s in self.steps],
            "verify": [s.to_dict() for s in self.verify],
            "summary": dict(self.summary),
        }
