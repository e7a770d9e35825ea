"""Issue 19: every runtime dependency pyproject declares is used, and constraints.txt pins each at the same version.

A dependency counts as used when some module under src/ imports one of the modules the installed distribution
ships (`azure-storage-blob` ships `azure.storage.blob`); the few used another way are listed with the reason.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

USED_WITHOUT_AN_IMPORT = {
    "psycopg": "SQLAlchemy's PostgreSQL driver, chosen by the URL scheme postgresql+psycopg://",
    "cryptography": "the RS256 backend of pyjwt[crypto] (functions/adapters/auth.py), pinned here",
}


def _declared() -> list[str]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return [re.split(r"[\[=<>~!; ]", d, maxsplit=1)[0] for d in deps]


def _imported() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def _modules_of(distribution: str) -> set[str]:
    modules = set()
    for file in metadata.distribution(distribution).files or []:
        if file.suffix == ".py" and not str(file).startswith("..") and ".dist-info" not in str(file):
            parts = list(file.with_suffix("").parts)
            modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_every_declared_dependency_is_imported_somewhere() -> None:
    imported = _imported()
    unused = [name for name in _declared() if name not in USED_WITHOUT_AN_IMPORT and not (_modules_of(name) & imported)]
    assert unused == [], "declared in pyproject.toml but never imported under src/: remove them"


def test_constraints_pin_every_declared_dependency_at_its_version() -> None:
    pins = dict(
        line.strip().lower().split("==", 1)
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        name, _, version = dep.partition("==")
        assert pins.get(re.sub(r"\[.*\]", "", name).lower()) == version, dep
    for gone in ("azure-mgmt-cdn", "azure-mgmt-monitor", "azure-mgmt-storage", "azure-common"):
        assert gone not in pins, f"{gone} is no longer needed by anything: drop it from constraints.txt"
