"""`mcctl playbook validate FILE...` and `mcctl playbook schema`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Validate playbooks and print their JSON Schema.", no_args_is_help=True)


@app.command()
def validate(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Playbook files to validate."),
) -> None:
    """Validate playbooks: structure, envelope, then the kind's spec. Lists every error with file:line."""
    from multicloud_ctl.config.loader import known_environments
    from multicloud_ctl.config.playbook import load_playbook
    from multicloud_ctl.errors import ConfigError

    state = get_state(ctx)
    console = state.console
    results: list[dict[str, Any]] = []
    failures: list[ConfigError] = []
    for path in files:
        try:
            pb = load_playbook(path, environments=known_environments(state.config_dir))
            results.append({"file": str(path), "valid": True, "kind": pb.kind, "name": pb.metadata.name, "errors": []})
        except ConfigError as exc:
            failures.append(exc)
            raw = getattr(exc, "all_messages", None)
            messages = [str(m) for m in raw] if isinstance(raw, list) else [exc.message]
            results.append({"file": str(path), "valid": False, "kind": None, "name": None, "errors": messages})
    if console.json_mode:
        console.print_json(results)
    else:
        for res in results:
            if res["valid"]:
                console.print(f"ok       {res['file']} ({res['kind']} {res['name']})")
            else:
                for message in res["errors"]:
                    console.print(f"invalid  {message}")
    if len(failures) == 1:
        first = failures[0]
        raise ConfigError(first.message, hint=first.hint or "fix the field named above")
    if failures:
        raise ConfigError(
            f"{len(failures)} of {len(files)} playbooks are invalid (each error is listed above)",
            hint="fix the fields named above",
        )


@app.command()
def schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of playbooks (every kind), for editors and CI."""
    from multicloud_ctl.config.playbook import playbook_json_schema

    get_state(ctx).console.print_json(playbook_json_schema())
