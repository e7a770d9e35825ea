"""`mcctl sql migrate|current|history`: the Azure SQL schema, managed by versioned Alembic migrations."""

from __future__ import annotations

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Apply and inspect the versioned SQL schema migrations (Alembic).", no_args_is_help=True)

URL = typer.Option(None, "--url", help="SQLAlchemy URL (default: the environment's azure.sql.url).")


def _url(ctx: typer.Context, url: str | None) -> str:
    from multicloud_ctl.migrations.runner import environment_url

    return url or environment_url(get_state(ctx).runtime())


@app.command()
def migrate(
    ctx: typer.Context,
    revision: str = typer.Option("head", "--revision", help="Target revision."),
    url: str = URL,
    dry_run: bool = typer.Option(False, "--dry-run", help="List pending; change nothing."),
) -> None:
    """Upgrade the schema to `--revision` (default: head). Idempotent."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.migrations.runner import migrate_operation

    state = get_state(ctx)
    outcome = run_operation(state, migrate_operation(url, revision), dry_run=dry_run)
    outcome.raise_for_status()
    if dry_run:
        todo = outcome.result["pending"]
        state.console.emit(outcome.result, columns=["pending revision"], rows=[(r,) for r in todo])
        state.console.info(f"dry run: {len(todo)} migration(s) pending, none applied")
        return
    applied = outcome.result["applied"]
    state.console.emit(outcome.result, columns=["applied revision"], rows=[(r,) for r in applied])
    state.console.success(f"schema at {revision} ({len(applied)} migration(s) applied, journal {outcome.run_id})")


@app.command()
def current(ctx: typer.Context, url: str = URL) -> None:
    """The database's current revision and the head."""
    from multicloud_ctl.migrations.runner import current_revision, head_revision

    state = get_state(ctx)
    cur, head = current_revision(_url(ctx, url)), head_revision()
    state.console.emit(
        {"current": cur, "head": head, "up_to_date": cur == head},
        columns=["current", "head"],
        rows=[(cur or "(none)", head)],
    )


@app.command()
def history(ctx: typer.Context) -> None:
    """Every migration, oldest first."""
    from multicloud_ctl.migrations.runner import revisions

    state = get_state(ctx)
    revs = revisions()
    state.console.emit(
        revs,
        columns=["revision", "down", "description"],
        rows=[(r["revision"], r["down_revision"] or "", r["doc"]) for r in revs],
    )
