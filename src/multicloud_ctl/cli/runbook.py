"""`mcctl runbook list|show NAME`: manual procedures filled in with live facts."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Print manual procedures filled in with live facts.", no_args_is_help=True, add_completion=False)


@app.command("list")
def list_runbooks(ctx: typer.Context) -> None:
    """The runbooks there are."""
    from multicloud_ctl.operations.failover.runbook import RUNBOOKS

    get_state(ctx).console.emit(
        [{"name": k, "title": v} for k, v in RUNBOOKS.items()],
        columns=["runbook", "title"],
        rows=list(RUNBOOKS.items()),
    )


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="provider-failure")) -> None:
    """Print one runbook: what is healthy now, the data position, and the exact commands, in order."""
    from rich.text import Text

    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.failover.runbook import age
    from multicloud_ctl.operations.failover.runbook import show as build

    state = get_state(ctx)
    console = state.console
    doc = build(make_runtime(state), name)
    if console.json_mode:
        console.print_json(doc)
        return
    facts = doc["facts"]
    console.print(Text(f"# {doc['title']} ({facts['environment']})"))
    console.print("")
    edge = facts["edge"]
    rows = [
        ("aws origins", _health(facts["aws"]["healthy"]), facts["aws"]["detail"]),
        ("azure origins", _health(facts["azure"]["healthy"]), facts["azure"]["detail"]),
        ("edge serves", edge.get("serving") or "-", "" if edge["reachable"] else edge["detail"]),
        ("sync lag", age(facts["sync_lag_seconds"]), "the data-loss window (RPO) if AWS is lost"),
        ("last daily backup", age(facts["backup_age_seconds"]["daily"]), "age of the newest"),
        ("last weekly backup", age(facts["backup_age_seconds"]["weekly"]), "age of the newest"),
    ]
    console.table(["fact", "now", "detail"], rows, title="live facts")
    console.print("")
    for i, step in enumerate(doc["steps"], 1):
        console.print(Text(f"{i}. {step['do']}"))
        console.print(Text(f"   $ {step['run']}"))


def _health(value: bool | None) -> str:
    return {True: "healthy", False: "DOWN", None: "unknown"}[value]
