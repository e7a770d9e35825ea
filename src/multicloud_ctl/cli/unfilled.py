"""A placeholder for a verb group whose issue has not landed yet: it says so and exits 2."""

from __future__ import annotations

import typer

from multicloud_ctl.errors import UsageError


def unfilled_app(verb: str, issue: int, help_text: str) -> typer.Typer:
    """A Typer app whose every invocation fails honestly with exit 2."""
    app = typer.Typer(add_completion=False)

    @app.command(
        name=verb,
        help=f"{help_text} (not implemented yet: issue #{issue})",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def _unfilled(ctx: typer.Context) -> None:
        raise UsageError(
            f"`mcctl {verb}` is not implemented yet (issue #{issue})",
            hint="see `mcctl --help` for the verbs that work today",
        )

    return app
