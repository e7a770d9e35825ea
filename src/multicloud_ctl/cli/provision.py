"""`mcctl provision plan|apply|drift|destroy`: the whole system's infrastructure, read live, converged.

Parses options and prints; the logic is in `operations/provision`. plan and drift run on a dry-run
runtime, so a mutating call there is refused by the provider guards, not merely avoided.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from multicloud_ctl.cli.state import get_state
from multicloud_ctl.config.loader import known_environments

app = typer.Typer(
    help="Stand up, inspect and repair every resource on AWS, Azure and Cloudflare.", no_args_is_help=True
)

PLAYBOOK = typer.Option(
    None, "--playbook", "-p", help="Provision playbook. (default: provision.yaml in the playbook directory)"
)
ONLY = typer.Option(None, "--only", help="Limit to KIND or KIND/NAME (repeatable; globs allowed).")
DRY_RUN = typer.Option(False, "--dry-run", help="Show the plan; make no mutating call.")
PARALLELISM = typer.Option(
    10, "--parallelism", min=1, max=64, help="Independent resources changed at once (1: one after another)."
)


def _setup(ctx: typer.Context, playbook: Path | None, *, dry_run: bool) -> tuple[Any, Any, Any]:
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.provision import load_spec

    state = get_state(ctx)
    spec = load_spec(playbook, known_environments(state.config_dir))
    return state, spec, make_runtime(state, dry_run=dry_run)


def _resource_rows(plans: list[Any]) -> list[tuple[str, str, str]]:
    rows = []
    for p in plans:
        detail = "; ".join(str(c) for c in p.changes) if p.changes else p.reason
        rows.append((p.action, p.address, detail))
    return rows


@app.command()
def plan(ctx: typer.Context, playbook: Path = PLAYBOOK, only: list[str] = ONLY) -> None:
    """Per resource: create, update (with the attribute diff) or no-op. Read-only."""
    from multicloud_ctl.operations.provision import plan_resources

    state, spec, runtime = _setup(ctx, playbook, dry_run=True)
    plans = plan_resources(runtime, spec, only)
    counts: dict[str, int] = {}
    for p in plans:
        counts[p.action] = counts.get(p.action, 0) + 1
    state.console.emit(
        {"environment": runtime.environment.name, "counts": counts, "resources": [p.to_dict() for p in plans]},
        columns=["action", "resource", "changes"],
        rows=_resource_rows(plans),
        title=f"provision plan: {runtime.environment.name}",
    )
    if not state.console.json_mode:
        state.console.info(", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "no resources")


@app.command()
def apply(
    ctx: typer.Context,
    playbook: Path = PLAYBOOK,
    only: list[str] = ONLY,
    dry_run: bool = DRY_RUN,
    parallelism: int = PARALLELISM,
) -> None:
    """Converge live state to the playbook, independent resources in parallel (asks on a TTY unless --yes)."""
    from multicloud_ctl.cli.runner import run_plan_verb
    from multicloud_ctl.operations.provision import apply_operation, load_spec

    op = apply_operation(load_spec(playbook, known_environments(get_state(ctx).config_dir)), only, parallelism)
    op.inputs["playbook"] = str(playbook or "")
    run_plan_verb(get_state(ctx), op, dry_run=dry_run)


@app.command()
def drift(ctx: typer.Context, playbook: Path = PLAYBOOK, only: list[str] = ONLY) -> None:
    """Compare live state with the playbook. Exit 0 when clean, 3 listing every difference."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.provision import find_drift

    state, spec, runtime = _setup(ctx, playbook, dry_run=True)
    items = find_drift(runtime, spec, only)
    real = [i for i in items if not i.allowed]
    state.console.emit(
        {
            "environment": runtime.environment.name,
            "drift": len(real),
            "allowed": len(items) - len(real),
            "items": [i.to_dict() for i in items],
        },
        columns=["resource", "attribute", "live", "desired", "allowed"],
        rows=[(i.address, i.path, i.live, i.desired, "yes" if i.allowed else "") for i in items],
        title=f"provision drift: {runtime.environment.name}",
    )
    if real:
        raise Degraded(
            f"{len(real)} difference(s) between live state and the playbook "
            f"({', '.join(sorted({i.address for i in real}))})",
            hint="`mcctl provision apply` repairs it; intended drift goes in spec.allow_drift",
        )
    state.console.success("no drift" + (f" ({len(items)} allowed difference(s))" if items else ""))


@app.command()
def graph(
    ctx: typer.Context,
    playbook: Path = PLAYBOOK,
    kinds: bool = typer.Option(False, "--kinds", help="The graph between resource kinds, not resources."),
    fmt: str = typer.Option("text", "--format", "-f", help="text (a table of waves) or dot (Graphviz)."),
) -> None:
    """The dependency graph the apply follows: each resource (or kind), what it waits for, and its wave (all of
    one wave can run at once). Reads the playbook only; `--format dot | dot -Tsvg` draws it."""
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.provision.planner import Provisioner, dependency_graph, kind_graph, to_dot

    if fmt not in ("text", "dot"):
        raise UsageError(f"--format must be text or dot, not {fmt!r}")
    state, spec, runtime = _setup(ctx, playbook, dry_run=True)
    resources = Provisioner(runtime, spec).desired()
    rows = kind_graph(resources) if kinds else dependency_graph(resources)
    key = "kind" if kinds else "resource"
    if fmt == "dot" and not state.console.json_mode:
        sys.stdout.write(to_dot(rows, key))
        return
    columns = ["kind", "waits for"] if kinds else ["wave", "resource", "waits for"]
    table = [
        ((r["kind"],) if kinds else (str(r["wave"]), r["resource"])) + (", ".join(r["waits_for"]) or "-",) for r in rows
    ]
    state.console.emit(
        {"environment": runtime.environment.name, "nodes": rows},
        columns=columns,
        rows=table,
        title=f"provision graph: {runtime.environment.name}",
    )


@app.command()
def destroy(
    ctx: typer.Context,
    playbook: Path = PLAYBOOK,
    only: list[str] = ONLY,
    dry_run: bool = DRY_RUN,
    parallelism: int = PARALLELISM,
) -> None:
    """Delete what carries managed-by=mcctl and this environment's tag, dependents first (typed confirmation)."""
    from multicloud_ctl.cli.runner import run_mutating
    from multicloud_ctl.operations.provision import destroy_plan, load_spec

    state = get_state(ctx)
    spec = load_spec(playbook, known_environments(state.config_dir))
    env_name = state.environment().name
    run_mutating(
        state,
        "provision destroy",
        lambda rt: destroy_plan(rt, spec, only, parallelism),
        dry_run=dry_run,
        inputs={"playbook": str(playbook or ""), "only": list(only or [])},
        lock_name="provision",
        question=f"Destroy the managed resources of environment {env_name}?",
        typed_confirmation=env_name,
    )
