"""The run lifecycle lives once: a scan of the source tree finds no second copy of any part of it.

ARCHITECTURE §6b: confirmation, locks, journal, signals, dry-run and statuses belong to `engine/run.py`; verbs
describe steps. These checks read the syntax tree of every module, so a new verb that opens its own journal,
asks its own question, installs its own signal handler or branches on `dry_run` in `operations/` fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "multicloud_ctl"
OUTSIDE = ("functions/", "local/")  # the deployed function code and the sandbox's own servers


def modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(OUTSIDE):
            continue
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


def calls(tree: ast.Module) -> list[tuple[str, int]]:
    """`name` or `obj.name` of every call, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Attribute):
                base = fn.value.id if isinstance(fn.value, ast.Name) else "?"
                found.append((f"{base}.{fn.attr}", node.lineno))
            elif isinstance(fn, ast.Name):
                found.append((fn.id, node.lineno))
    return found


@pytest.mark.parametrize(
    ("what", "matches", "allowed"),
    [
        ("opens a journal", lambda c: c in ("Journal.create", "Journal"), {"engine/run.py", "engine/journal.py"}),
        ("asks for confirmation", lambda c: c.endswith(".confirm"), {"cli/runner.py"}),
        ("installs a signal handler", lambda c: c == "signal.signal", {"engine/run.py"}),
        ("runs an executor", lambda c: c == "Executor", {"engine/run.py"}),
        ("takes a run lock", lambda c: c == "run_lock", {"engine/run.py"}),
    ],
)
def test_only_the_lifecycle(what: str, matches: object, allowed: set[str]) -> None:
    offenders = [
        f"{rel}:{line} {name}"
        for rel, tree in modules()
        if rel not in allowed
        for name, line in calls(tree)
        if matches(name)  # type: ignore[operator]
    ]
    assert not offenders, f"only {sorted(allowed)} {what}; also: {offenders}"


def test_operations_have_no_dry_run_branches() -> None:
    offenders = [
        f"{rel}:{node.lineno}"
        for rel, tree in modules()
        if rel.startswith("operations/")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "dry_run"
    ]
    assert not offenders, f"operations/ branches on dry_run (the lifecycle and the provider guards own it): {offenders}"


def test_every_verb_with_dry_run_goes_through_the_lifecycle() -> None:
    """A command with a `dry_run` parameter reaches `run_operation` (directly or through a helper of its module)."""
    offenders = []
    for rel, tree in modules():
        if not rel.startswith("cli/"):
            continue
        functions = {fn.name: fn for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)}
        uses = {
            name: {c.split(".")[-1] for c, _ in calls(ast.Module(body=fn.body, type_ignores=[]))}
            for name, fn in functions.items()
        }
        reaching = {"run_operation", "run_plan_verb", "run_mutating"}
        while True:
            more = {name for name, used in uses.items() if used & reaching} - reaching
            if not more:
                break
            reaching |= more
        offenders += [
            f"{rel}:{fn.lineno} {name}"
            for name, fn in functions.items()
            if "dry_run" in {a.arg for a in fn.args.args} and name not in reaching
        ]
    assert not offenders, f"verbs with --dry-run that bypass engine/run.py: {offenders}"


def test_the_scan_would_catch_a_copy() -> None:
    tree = ast.parse("def ship(state, dry_run):\n    state.console.confirm('x', assume_yes=False)\n")
    assert ("console.confirm", 2) not in calls(tree)  # attribute chains report their last object ...
    assert any(name.endswith(".confirm") for name, _ in calls(tree))  # ... and are still matched
