"""`mcctl deploy`: package the service functions and roll them out (Lambda aliases, Azure packages).

mcctl deploy [SERVICE...] [--strategy all-at-once|canary10|linear10] [--cloud aws|azure] [--dry-run]
mcctl deploy package [--no-vendor]      build the hash-named zips only
mcctl deploy status                     version per service per cloud
mcctl deploy rollback SERVICE           back to the previous release
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from multicloud_ctl.cli.state import get_state

SUBCOMMANDS = {"run", "package", "status", "rollback"}


class DeployGroup(TyperGroup):
    """`mcctl deploy order-service` means `mcctl deploy run order-service` (the verb itself deploys)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DeployGroup, help="Package and deploy the service functions to both clouds.", no_args_is_help=True
)

PLAYBOOK = typer.Option(
    None, "--playbook", "-p", help="Deploy playbook. (default: deploy.yaml in the playbook directory)"
)


@app.command("run")
def run(
    ctx: typer.Context,
    services: list[str] = typer.Argument(None, help="Services to deploy (default: all of the chosen clouds)."),
    strategy: str = typer.Option(
        None, "--strategy", "-s", help="all-at-once | canary10 | linear10 (default: the playbook's)."
    ),
    cloud: str = typer.Option("all", "--cloud", help="aws | azure | all."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; make no change."),
    no_vendor: bool = typer.Option(False, "--no-vendor", help="Do not vendor Lambda dependencies (code only)."),
    bake: float = typer.Option(None, "--bake", min=0, help="Seconds to bake each traffic step (default: playbook)."),
    playbook: Path = PLAYBOOK,
) -> None:
    """Deploy: upload, update, publish and shift traffic, rolling back on an error breach (exit 1)."""
    from multicloud_ctl.cli.runner import run_mutating
    from multicloud_ctl.config.specs.deploy import STRATEGIES
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.deploy.rollout import build_packages, load_spec, plan_deploy, select

    state = get_state(ctx)
    spec = load_spec(playbook)
    chosen = strategy or spec.strategy
    if chosen not in STRATEGIES:
        raise UsageError(f"unknown strategy {chosen!r}", hint=f"use one of: {', '.join(STRATEGIES)}")
    if cloud not in ("all", "aws", "azure"):
        raise UsageError(f"unknown cloud {cloud!r}", hint="use aws, azure or all")
    if bake is not None:
        spec = spec.model_copy(update={"bake": spec.bake.model_copy(update={"seconds": bake})})
    selection = select(state.environment(), spec, list(services or []), cloud)

    def build(runtime: Any) -> Any:
        artifacts = build_packages(runtime, selection.clouds, vendor=spec.vendor and not no_vendor)
        return plan_deploy(runtime, spec, selection, chosen, artifacts)

    run_mutating(
        state,
        "deploy",
        build,
        dry_run=dry_run,
        lock_name="deploy",
        inputs={"services": list(services or []), "strategy": chosen, "cloud": cloud},
    )


@app.command("package")
def package(
    ctx: typer.Context,
    no_vendor: bool = typer.Option(False, "--no-vendor", help="Do not vendor Lambda dependencies (code only)."),
    out: Path = typer.Option(None, "--out", help="Output directory (default: <state_dir>/<env>/packages)."),
) -> None:
    """Build the Lambda and Azure Functions zips (reproducible, named by their SHA-256)."""
    from multicloud_ctl.packaging.builder import BuildOptions, build_all

    state = get_state(ctx)
    from multicloud_ctl.cli.outfile import writable_directory

    out_dir = out or state.environment().env_state_dir / "packages"
    writable_directory("--out" if out else "state_dir", out_dir)
    built = build_all(BuildOptions(out_dir=out_dir, vendor=not no_vendor))
    rows = [
        {"cloud": c, "package": a.name, "sha256": a.sha256, "bytes": a.size, "path": str(a.path)}
        for c, a in built.items()
    ]
    state.console.emit(
        rows,
        columns=["cloud", "package", "sha256", "bytes"],
        rows=[(r["cloud"], r["package"], r["sha256"], r["bytes"]) for r in rows],
    )


@app.command("status")
def status(
    ctx: typer.Context,
    playbook: Path = PLAYBOOK,
    cloud: str = typer.Option("all", "--cloud", help="aws | azure | all."),
) -> None:
    """The version (Lambda alias) or package (Azure app) each service runs, per cloud."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.deploy.rollout import load_spec
    from multicloud_ctl.operations.deploy.status import status as deploy_status

    state = get_state(ctx)
    if cloud not in ("all", "aws", "azure"):
        raise UsageError(f"unknown cloud {cloud!r}", hint="use aws, azure or all")
    clouds = ("aws", "azure") if cloud == "all" else (cloud,)
    rows = deploy_status(make_runtime(state, dry_run=True), load_spec(playbook), clouds)
    state.console.emit(
        rows,
        columns=["cloud", "service", "version", "canary", "code", "state"],
        rows=[(r["cloud"], r["service"], r["version"], r["canary"], r["code"], r["state"]) for r in rows],
    )


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    service: str = typer.Argument(..., help="The service to put back on its previous release."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan; make no change."),
    playbook: Path = PLAYBOOK,
) -> None:
    """Point a service back at its previous release (Lambda: previous version; Azure: previous package)."""
    from multicloud_ctl.cli.runner import run_mutating
    from multicloud_ctl.operations.deploy.rollout import load_spec
    from multicloud_ctl.operations.deploy.status import plan_rollback

    state = get_state(ctx)
    spec = load_spec(playbook)
    run_mutating(
        state,
        "deploy rollback",
        lambda rt: plan_rollback(rt, spec, service),
        dry_run=dry_run,
        lock_name="deploy",
        inputs={"service": service},
    )
