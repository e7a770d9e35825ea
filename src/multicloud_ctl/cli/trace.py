"""`mcctl trace show TRACE_ID`: one order's span tree across both clouds (cloud, service, duration, errors)."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(
    help="Show distributed traces collected from both clouds.", no_args_is_help=True, add_completion=False
)


@app.callback()
def trace() -> None:
    """Show distributed traces collected from both clouds."""


@app.command("show")
def show(ctx: typer.Context, trace_id: str = typer.Argument(..., help="32 hex chars (or a traceparent).")) -> None:
    """Print the span tree of TRACE_ID with cloud, service, duration and errors."""
    from multicloud_ctl.operations.observability.traces import load_trace, rows, summary

    state = get_state(ctx)
    spans = load_trace(state.environment().env_state_dir, trace_id)
    tree = rows(spans)
    info = summary(spans)
    if state.console.json_mode:
        state.console.print_json({**info, "tree": tree})
        return
    from multicloud_ctl.humanize import millis

    table_rows = [
        (
            "  " * r["depth"] + r["name"],
            r.get("cloud", ""),
            r.get("service", ""),
            r.get("kind", ""),
            millis(r.get("duration_ms", 0)),
            r.get("start", "")[11:23],
            "ERROR " + r.get("error", "") if r.get("status") == "ERROR" else "",
        )
        for r in tree
    ]
    state.console.table(
        ["span", "cloud", "service", "kind", "duration", "start", "error"],
        table_rows,
        title=f"trace {info['trace_id']}: {info['spans']} spans, clouds {', '.join(info['clouds'])}",
    )
