"""The registry of sandbox components: what `mcctl local up` starts, on which port, and how it is checked.

One entry per component, in start order, at the bottom of this file. Another part of the sandbox adds
itself with one line there, naming its launcher as "module:function" (imported only when started):

    register(Component("functions-aws", "functions_aws", "multicloud_ctl.local.functions:aws_launch",
                       "/_admin/health", json_service("mcctl-functions-aws")))

where `aws_launch(ctx: SandboxContext, port: int) -> LaunchSpec`. (A module may instead call `register`
itself and be listed in `COMPONENT_MODULES`.) `port_field` names the `local.ports` field of the environment
file, which is also what the port-taken error points at. `default=False` keeps a component out of a plain
`mcctl local up` (start it with `mcctl local start NAME`). `requires` names components that `up`/`start` of this
one brings up too, first (as systemd's Requires= and After=); stop and down never follow it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.secrets import SecretResolver


@dataclass(frozen=True)
class LaunchSpec:
    """How to start a component: argv, extra environment variables (secrets go here, never in argv)."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """One HTTP answer from a component's health URL."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class SandboxContext:
    """What a command builder gets: the environment, the sandbox state directory, a secret resolver."""

    environment: Environment
    directory: Path
    secrets: SecretResolver


@dataclass(frozen=True)
class Component:
    """One sandbox process. `identify(probe)` says whether what answers on the port is this component."""

    name: str
    port_field: str
    command: Callable[[SandboxContext, int], LaunchSpec] | str
    health_path: str
    identify: Callable[[Probe], bool]
    default: bool = True
    ready_timeout: float = 40.0
    extra_ports: tuple[str, ...] = ()  # more `local.ports` fields the process binds (checked before start)
    requires: tuple[str, ...] = ()  # components `local up|start` brings up first (left alone if already serving)

    def launch(self, ctx: SandboxContext, port: int) -> LaunchSpec:
        """Build the launch spec (importing a "module:function" launcher on first use)."""
        builder = self.command
        if isinstance(builder, str):
            import importlib

            module, _, func = builder.partition(":")
            builder = getattr(importlib.import_module(module), func)
        return builder(ctx, port)


COMPONENTS: dict[str, Component] = {}

# Short names users may type for a component (`mcctl local stop aws` -> functions_aws).
ALIASES: dict[str, str] = {}

# Modules that register more components when imported (functions hosts, smtp, ...). Append yours here.
COMPONENT_MODULES: list[str] = ["multicloud_ctl.local.functions.component"]


def register(component: Component) -> Component:
    """Add (or replace, by name) a component; order of first registration is start order."""
    COMPONENTS[component.name] = component
    return component


def json_service(service: str) -> Callable[[Probe], bool]:
    """An `identify` for our own servers: `/_admin/health` answers JSON with this `service` name."""

    def check(probe: Probe) -> bool:
        try:
            return probe.status == 200 and json.loads(probe.body).get("service") == service
        except (ValueError, AttributeError):
            return False

    return check


def _moto(ctx: SandboxContext, port: int) -> LaunchSpec:
    from multicloud_ctl.local.processes import moto_command

    return LaunchSpec(moto_command(port))


def _azurite(ctx: SandboxContext, port: int) -> LaunchSpec:
    from multicloud_ctl.local.processes import azurite_command

    location = ctx.directory / "azurite"
    location.mkdir(parents=True, exist_ok=True)
    return LaunchSpec(azurite_command(port, location))


def _arm(ctx: SandboxContext, port: int) -> LaunchSpec:
    return LaunchSpec([sys.executable, "-m", "multicloud_ctl.local.arm", "--port", str(port)])


def _edge(ctx: SandboxContext, port: int) -> LaunchSpec:
    from multicloud_ctl.local.edge.server import TOKEN_ENV

    token = ctx.secrets.resolve(ctx.environment.cloudflare.api_token)
    argv = [
        sys.executable,
        "-m",
        "multicloud_ctl.local.edge",
        "--api-port",
        str(port),
        "--state-file",
        str(ctx.directory / "edge-state.json"),
    ]
    if ctx.environment.local is not None:  # the request proxy + monitors share the API's store (issue 7)
        argv += ["--proxy-port", str(ctx.environment.local.ports.edge_proxy)]
    return LaunchSpec(argv, {TOKEN_ENV: token})


register(Component("moto", "moto", _moto, "/moto-api/", lambda p: p.status == 200 and b"moto" in p.body.lower()))
register(
    Component(
        "azurite",
        "azurite_blob",
        _azurite,
        "/devstoreaccount1?comp=list",
        lambda p: p.headers.get("server", "").lower().startswith("azurite"),
    )
)
register(Component("arm", "arm", _arm, "/_admin/health", json_service("mcctl-arm")))
register(
    Component("edge", "edge_api", _edge, "/_admin/health", json_service("mcctl-edge-api"), extra_ports=("edge_proxy",))
)


def load_components() -> dict[str, Component]:
    """Every registered component, after importing the modules that register more."""
    import importlib

    for module in COMPONENT_MODULES:
        importlib.import_module(module)
    return COMPONENTS
