"""The extension point of the fake ARM: handlers for actions by method and path pattern.

The generic store answers PUT/GET/HEAD/PATCH/DELETE of any resource id. Everything else ARM does
(Cost Management `POST .../query`, zip deploy, `listKeys`...) is an *action*: another sandbox module
registers a handler without editing the server:

    # src/multicloud_ctl/local/arm/costmanagement.py
    from multicloud_ctl.local.arm.actions import ActionContext, action
    from multicloud_ctl.local.jsonhttp import Response

    @action("POST", r"/subscriptions/[^/]+/providers/Microsoft\\.CostManagement/query")
    def query(ctx: ActionContext) -> Response:
        return Response(200, {"properties": {"columns": [], "rows": []}})

The server imports every module of the `multicloud_ctl.local.arm` package at start (see `load_plugins`),
so adding the file is all it takes. Patterns are full-matched, case-insensitively, against the URL path
(no query string). Actions are consulted before the generic store, in registration order.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from multicloud_ctl.local.jsonhttp import Request, Response

if TYPE_CHECKING:
    from multicloud_ctl.local.arm.store import ArmStore

CORE_MODULES = {"__main__", "actions", "bodies", "lro", "rules", "server", "store", "throttle"}


@dataclass
class ActionContext:
    """What an action handler gets: the request, the path match, the shared store and the base URL."""

    request: Request
    match: re.Match[str]
    store: ArmStore
    base_url: str


ActionHandler = Callable[[ActionContext], Response]


@dataclass(frozen=True)
class Action:
    method: str
    pattern: re.Pattern[str]
    handler: ActionHandler


ACTIONS: list[Action] = []


def action(method: str, pattern: str) -> Callable[[ActionHandler], ActionHandler]:
    """Register `handler` for `method` on paths that full-match `pattern` (case-insensitive)."""

    def register(handler: ActionHandler) -> ActionHandler:
        compiled = re.compile(pattern, re.IGNORECASE)
        if not any(a.method == method.upper() and a.pattern.pattern == pattern for a in ACTIONS):
            ACTIONS.append(Action(method.upper(), compiled, handler))
        return handler

    return register


def find_action(method: str, path: str) -> tuple[Action, re.Match[str]] | None:
    """The first registered action for this request, with its match."""
    for act in ACTIONS:
        if act.method == method.upper():
            match = act.pattern.fullmatch(path.rstrip("/"))
            if match:
                return act, match
    return None


def load_plugins() -> list[str]:
    """Import every non-core module of this package (each registers its actions); returns their names."""
    package = importlib.import_module("multicloud_ctl.local.arm")
    loaded = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in CORE_MODULES or info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"multicloud_ctl.local.arm.{info.name}")
            loaded.append(info.name)
        except Exception as exc:  # one broken plugin must not take the whole fake ARM down
            sys.stderr.write(f"local/arm: plugin {info.name} failed to load: {type(exc).__name__}: {exc}\n")
    return loaded
