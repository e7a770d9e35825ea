"""`mcctl journal list|show`: read the JSON journals of past runs."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="List and show the JSON journals of past runs.", no_args_is_help=True)


@app.command("list")
def list_runs(
    ctx: typer.Context,
    verb: str = typer.Option(None, "--verb", help="Only runs of this verb."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many, newest first."),
) -> None:
    """Past runs, newest first."""
    from multicloud_ctl.engine.journal import list_journals

    state = get_state(ctx)
    runs = list_journals(state.environment().env_state_dir, verb, limit)
    state.console.emit(
        runs,
        columns=["id", "verb", "status", "dry run", "started", "seconds"],
        rows=[
            (
                r["id"],
                r["verb"],
                "abandoned (process died)" if r["status"] == "abandoned" else r["status"],
                "yes" if r["dry_run"] else "",
                r["started"],
                r["duration_s"],
            )
            for r in runs
        ],
    )


@app.command()
def show(ctx: typer.Context, run_id: str = typer.Argument("last", help="Run id, id prefix, or 'last'.")) -> None:
    """One run's journal: steps, verification, rollback, measurements."""
    from multicloud_ctl.engine.journal import load_journal

    state = get_state(ctx)
    rec = load_journal(state.environment().env_state_dir, run_id)
    console = state.console
    if console.json_mode:
        console.print_json(rec)
        return
    console.print(
        f"{rec['id']}  {rec['verb']}  status={rec['status']}  dry_run={rec['dry_run']}  "
        f"started={rec['started']}  duration={rec['duration_s']}s"
    )
    for section in ("steps", "verification", "rollback"):
        entries = rec.get(section) or []
        if entries:
            console.table(
                ["id", "status", "seconds", "error"],
                [(e["id"], e["status"], e.get("duration_s"), e.get("error") or "") for e in entries],
                title=section,
            )
    if rec.get("measurements"):
        console.table(["measurement", "value"], list(rec["measurements"].items()), title="measurements")
    if rec.get("error"):
        console.print(f"error: {rec['error']}")
