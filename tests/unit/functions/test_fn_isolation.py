"""The deployable functions package stands alone: it imports nothing else from multicloud_ctl, its domain
imports no SDK, and only the thin Azure layer imports azure.functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import multicloud_ctl.functions as functions_pkg

ROOT = Path(functions_pkg.__file__).parent
SDKS = {
    "boto3",
    "botocore",
    "azure",
    "sqlalchemy",
    "redis",
    "stripe",
    "jwt",
    "httpx",
    "psycopg",
    "aiosmtpd",
    "smtplib",
    "urllib",
    "cryptography",
    "requests",
}


def imports(path: Path) -> list[str]:
    """Absolute module names imported by a file (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = [
        "multicloud_ctl",
        *path.relative_to(ROOT.parent).parts[:-1],
    ]  # e.g. multicloud_ctl.functions.domain
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                out.append(node.module)
    return out


def files() -> list[Path]:
    found = sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)
    assert len(found) > 30
    return found


def test_functions_import_nothing_else_from_multicloud_ctl() -> None:
    bad = [
        (str(p.relative_to(ROOT)), m)
        for p in files()
        for m in imports(p)
        if (m == "multicloud_ctl" or m.startswith("multicloud_ctl."))
        and not (m == "multicloud_ctl.functions" or m.startswith("multicloud_ctl.functions."))
    ]
    assert bad == []


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    for path in (ROOT / "domain").rglob("*.py"):
        for module in imports(path):
            top = module.split(".")[0]
            ok = (
                module.startswith("multicloud_ctl.functions.domain")
                or (top in sys.stdlib_module_names and top not in SDKS)
                or module == "__future__"
            )
            assert ok, f"{path.name} imports {module}"


def test_only_the_thin_azure_layer_imports_azure_functions() -> None:
    users = sorted(
        str(p.relative_to(ROOT))
        for p in files()
        if any(m == "azure.functions" or m.startswith("azure.functions.") for m in imports(p))
    )
    assert users and all(u == "azure/function_app.py" or u.startswith("azure/blueprints/") for u in users)


def test_entry_points_load_without_the_cli_or_sdks() -> None:
    code = (
        "import sys\n"
        "import multicloud_ctl.functions.aws_lambda.router, multicloud_ctl.functions.azure.api\n"
        "import multicloud_ctl.functions.azure.consumers, multicloud_ctl.functions.aws_lambda.order_events\n"
        "mods = sorted(m for m in sys.modules if m.startswith('multicloud_ctl')\n"
        "              and not m.startswith('multicloud_ctl.functions'))\n"
        "print(mods, [m for m in ('boto3', 'sqlalchemy', 'azure.functions', 'typer') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['multicloud_ctl'] []"


def test_the_lambda_side_does_not_need_the_azure_app() -> None:
    """The Lambda zip leaves out functions/azure/, so nothing outside it may import from it."""
    bad = [
        (str(p.relative_to(ROOT)), m)
        for p in files()
        if p.relative_to(ROOT).parts[0] != "azure"
        for m in imports(p)
        if m.startswith("multicloud_ctl.functions.azure")
    ]
    assert bad == []
