"""`mcctl local`: run the whole system on this machine (sandbox up, down, status, start, stop, demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from multicloud_ctl.cli.state import get_state

if TYPE_CHECKING:
    from multicloud_ctl.cli.state import CliState
    from multicloud_ctl.local.supervisor import ComponentStatus, Supervisor

app = typer.Typer(
    help="Run the whole system on this machine (sandbox up, down, status, demo).",
    no_args_is_help=True,
    add_completion=False,
)

COLUMNS = ("component", "port", "pid", "state", "healthy", "where", "note")


def _supervisor(state: CliState, isolate: bool = False) -> Supervisor:
    from multicloud_ctl.local.supervisor import Supervisor

    return Supervisor(state.environment(), isolate=isolate)


def _emit(state: CliState, rows: list[ComponentStatus], title: str) -> None:
    state.console.emit(
        [r.__dict__ for r in rows],
        columns=COLUMNS,
        title=title,
        rows=[
            (r.component, r.port, r.pid or "-", r.state, "yes" if r.healthy else "no", r.where, r.note) for r in rows
        ],
    )


@app.command()
def up(
    ctx: typer.Context,
    components: list[str] = typer.Argument(None, help="Only these components (default: all)."),
    isolate_clouds: bool = typer.Option(
        False,
        "--isolate-clouds",
        help="Run each cloud's processes in its own network namespace (root, iproute2, nftables), still "
        "reached at 127.0.0.1:<port>; as local.isolation: namespaces.",
    ),
) -> None:
    """Start the sandbox on 127.0.0.1 (idempotent) and wait until every component answers."""
    state = get_state(ctx)
    sup = _supervisor(state, isolate_clouds)
    state.console.info(f"starting the sandbox for {state.environment().name} (state in {sup.directory})")
    _emit(state, sup.up(components or None), "sandbox")
    state.console.success("sandbox is up")


@app.command()
def down(
    ctx: typer.Context,
    components: list[str] = typer.Argument(None, help="Only these components (default: all)."),
    purge: bool = typer.Option(False, "--purge", help="Also delete the sandbox data (Azurite, edge state)."),
) -> None:
    """Stop the sandbox processes that mcctl started (nothing else)."""
    state = get_state(ctx)
    sup = _supervisor(state)
    rows = sup.down(components or None)
    if purge:
        import shutil

        for name in ("azurite", "edge-state.json"):
            path = sup.directory / name
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    _emit(state, rows, "sandbox")


@app.command()
def status(
    ctx: typer.Context,
    components: list[str] = typer.Argument(None, help="Only these components (default: all)."),
) -> None:
    """Show each component's port, pid and health; exit 3 when any is down."""
    from multicloud_ctl.errors import Degraded

    state = get_state(ctx)
    rows = _supervisor(state).status(components or None)
    _emit(state, rows, "sandbox")
    down_ = [r.component for r in rows if not r.healthy]
    moved = [r.component for r in rows if r.state.startswith("running on old port")]
    if down_:
        raise Degraded(
            f"{len(down_)} of {len(rows)} sandbox components are not healthy: {', '.join(down_)}",
            hint=f"`mcctl local down {' '.join(moved)}` then `mcctl local up` (local.ports.* changed), "
            "or set the old ports back"
            if moved
            else "run `mcctl local up`",
        )


@app.command()
def install(ctx: typer.Context) -> None:
    """Install what the sandbox needs besides Python: the pinned Azurite (npm), unless one is found already."""
    import importlib.util

    from multicloud_ctl.local.processes import azurite_candidates, install_azurite

    state = get_state(ctx)
    have = next((p for p in azurite_candidates() if p.exists()), None)
    path = have or install_azurite()
    note = "found; nothing installed" if have else "installed"
    state.console.emit(
        {"azurite": str(path), "installed": have is None}, columns=["azurite"], rows=[[f"{path} ({note})"]]
    )
    if importlib.util.find_spec("moto") is None:
        state.console.warn("moto server is missing: pip install 'multicloud-ctl[sandbox]'")


@app.command()
def start(ctx: typer.Context, component: str = typer.Argument(..., help="Component name.")) -> None:
    """Start one component (e.g. after `mcctl local stop aws` simulated an outage)."""
    state = get_state(ctx)
    _emit(state, _supervisor(state).up([component]), "sandbox")


@app.command()
def stop(ctx: typer.Context, component: str = typer.Argument(..., help="Component name.")) -> None:
    """Stop one component that mcctl started (e.g. to simulate a cloud outage)."""
    state = get_state(ctx)
    _emit(state, _supervisor(state).down([component]), "sandbox")


@app.command()
def demo(
    ctx: typer.Context,
    stop_after: bool = typer.Option(False, "--down", help="Stop the sandbox when the demo is done."),
) -> None:
    """Sandbox up, then every verb that exists so far, then a summary table (exit 1 if a step failed)."""
    from multicloud_ctl.errors import OperationFailed
    from multicloud_ctl.local.demo import DemoContext, run_demo

    state = get_state(ctx)
    sup = _supervisor(state)
    results = run_demo(DemoContext(state.environment(), state.console, state.config_dir, sup))
    if stop_after:
        sup.down()
    state.console.emit(
        [r.__dict__ for r in results],
        columns=("step", "result", "seconds", "summary"),
        rows=[(r.step, r.result, f"{r.seconds:.2f}", r.summary) for r in results],
        title="mcctl local demo",
    )
    failed = [r.step for r in results if r.result != "ok"]
    if failed:
        raise OperationFailed(f"demo: {len(failed)} of {len(results)} steps did not succeed: {', '.join(failed)}")
    state.console.success(f"demo: all {len(results)} steps succeeded")
