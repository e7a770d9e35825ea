"""`mcctl init [DIR]`: write a working `config/` and `playbooks/` from the templates shipped in the package.

What `terraform init` or `git init` are to their tools: after `pip install multicloud-ctl[sandbox]` there is no
checkout to run from, so `mcctl init` writes the sandbox environment (`local.yaml`), the cloud examples and every
playbook to DIR (default `$MCCTL_HOME`, else the user config directory `~/.config/mcctl`, which mcctl then finds
from any directory: config/home.py). Existing files are kept unless `--force` (so a rerun is harmless). Local
files only: no cloud call, no lock, no journal (like `mcctl local up`).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(help="Write a working config/ and playbooks/ from the shipped templates.")

PARTS = ("config", "playbooks")


def template_files() -> list[tuple[str, bytes]]:
    """(relative path, content) of every shipped template, in name order."""
    from importlib.resources import files

    root = files("multicloud_ctl") / "templates"
    found = []
    for part in PARTS:
        for entry in (root / part).iterdir():
            if entry.name.endswith(".yaml") and entry.is_file():
                found.append((f"{part}/{entry.name}", entry.read_bytes()))
    return sorted(found)


@app.command()
def init(
    ctx: typer.Context,
    directory: Path = typer.Argument(
        None, help="Where to write config/ and playbooks/. (default: $MCCTL_HOME or ~/.config/mcctl)"
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist (else they are kept)."),
) -> None:
    """Write config/ (local sandbox + cloud examples) and playbooks/ to DIR; then `mcctl local up` works."""
    from multicloud_ctl.config.home import user_home
    from multicloud_ctl.errors import UsageError

    state = get_state(ctx)
    target = directory or Path(os.environ.get("MCCTL_HOME") or user_home())
    target = target.expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory", hint="pass another DIR")
    rows = []
    for rel, content in template_files():
        path = target / rel
        if path.exists() and not force:
            action = "kept (exists; --force overwrites)"
        else:
            action = "written"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.tmp")
                tmp.write_bytes(content)
                tmp.replace(path)
            except OSError as exc:  # read-only, missing parent on a special file system, no permission
                raise UsageError(
                    f"cannot write {path}: {exc.strerror or exc}", hint="pass a directory you can write to"
                ) from None
        rows.append({"file": str(path), "action": action})
    found_from_anywhere = target.resolve() in {Path(os.environ.get("MCCTL_HOME") or user_home()).resolve()}
    state.console.emit(
        {"directory": str(target), "files": rows, "found_from_anywhere": found_from_anywhere},
        columns=["file", "action"],
        rows=[(r["file"], r["action"]) for r in rows],
    )
    if found_from_anywhere:
        state.console.info("next: `mcctl local up` (any directory), then `mcctl local demo`")
    else:
        state.console.info(
            f"next: run mcctl from {target}, or `export MCCTL_HOME={target}`, or pass --config-dir "
            f"{target / 'config'}; then `mcctl local up`"
        )
