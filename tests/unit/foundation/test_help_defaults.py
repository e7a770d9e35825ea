"""A verb's option help never writes its default as `[default: ...]`: the verb help is drawn by Rich, which reads
the brackets as markup and drops the text (`--until` said nothing about today; every default playbook's help was
blank). Typer's own `[default: daily]` is escaped and shows. The top-level options (cli/app.py) are printed by
the fast help path without Rich and may keep the brackets."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[3] / "src" / "multicloud_ctl" / "cli"


def test_no_literal_bracketed_default_in_verb_help() -> None:
    found = []
    for path in sorted(CLI.glob("*.py")):
        if path.name in ("app.py", "help_text.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "[default:" in node.value:
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"write (default: ...) instead: {found}"


def test_a_verb_help_shows_its_default(cli) -> None:  # type: ignore[no-untyped-def]
    import re

    out = re.sub(r"[\s│]+", " ", cli("cost", "report", "--help").stdout)  # unwrap the 80-column box
    assert "(default: today)" in out and "(default: cost.yaml in the playbook" in out
