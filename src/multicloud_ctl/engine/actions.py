"""The closed registry of actions a plan step may name.

Playbooks never name Python callables: a step's `action` is looked up here. Each operation module registers
its handlers at import (`@actions.register("s3.put_bucket_encryption")`). A handler takes the runtime and
the step's params and returns JSON-able output for the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import UsageError

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

Handler = Callable[["Runtime", Mapping[str, Any]], Any]


@dataclass
class ActionRegistry:
    """Action name -> handler."""

    handlers: dict[str, Handler] = field(default_factory=dict)

    def register(self, name: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            if name in self.handlers and self.handlers[name] is not fn:
                raise ValueError(f"action {name!r} registered twice")
            self.handlers[name] = fn
            return fn

        return decorate

    def get(self, name: str) -> Handler:
        try:
            return self.handlers[name]
        except KeyError:
            raise UsageError(f"unknown action {name!r}", hint="actions come from a closed registry") from None

    def __contains__(self, name: object) -> bool:
        return name in self.handlers


ACTIONS = ActionRegistry()
"""The process-wide registry (filled at import by operation modules; read-only afterwards)."""
