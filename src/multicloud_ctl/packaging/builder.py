"""Build the two deployable packages from `multicloud_ctl.functions`, reproducibly and hash-named.

- Lambda: `multicloud_ctl/functions/**` (without the Azure app) + a stub `multicloud_ctl/__init__.py` + the
  vendored dependencies at the zip root, so the handler is `multicloud_ctl.functions.aws_lambda.<m>.handler`.
- Azure Functions: `function_app.py` and `host.json` at the root (what the Functions host looks for),
  `requirements.txt` (the platform installs it), and the same functions package.

The function code imports nothing else from `multicloud_ctl`, which is what makes the stub `__init__` enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.packaging.vendor import AZURE_REQUIREMENTS, LAMBDA_REQUIREMENTS, vendor
from multicloud_ctl.packaging.zipbuild import Artifact, build_zip, walk_files, write_artifact

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "functions"
STUB_INIT = b'"""Only the service functions are packaged; the mcctl tool itself is not."""\n'
AZURE_APP = "azure"


@dataclass(frozen=True)
class BuildOptions:
    """Where to put the zips and whether to vendor dependencies (tests skip it to stay offline and fast)."""

    out_dir: Path
    vendor: bool = True
    source: Path = FUNCTIONS_DIR


def _function_files(source: Path, *, without: tuple[str, ...] = ()) -> list[tuple[str, Path]]:
    if not (source / "__init__.py").exists():
        raise OperationFailed(f"no functions package at {source}")
    return [
        (arc, p)
        for arc, p in walk_files(source, "multicloud_ctl/functions")
        if not any(arc.startswith(f"multicloud_ctl/functions/{w}/") for w in without)
    ]


def build_lambda(opts: BuildOptions) -> Artifact:
    """The Lambda package (one zip shared by every AWS service; each function names its own handler)."""
    files = _function_files(opts.source, without=(AZURE_APP,))
    if opts.vendor:
        deps = vendor(LAMBDA_REQUIREMENTS, opts.out_dir / "cache")
        files += [(arc, p) for arc, p in walk_files(deps, "") if arc != ".complete"]
    data = build_zip(files, {"multicloud_ctl/__init__.py": STUB_INIT})
    return write_artifact("lambda", data, opts.out_dir)


def build_azure(opts: BuildOptions) -> Artifact:
    """The Azure Functions package (function_app.py, host.json, requirements.txt + the functions code)."""
    app_dir = opts.source / AZURE_APP
    app, host = app_dir / "function_app.py", app_dir / "host.json"
    if not app.exists():
        raise OperationFailed(f"the Azure Functions app is missing: {app}")
    extra = {
        "multicloud_ctl/__init__.py": STUB_INIT,
        "function_app.py": app.read_bytes(),
        "host.json": host.read_bytes() if host.exists() else DEFAULT_HOST_JSON,
        "requirements.txt": ("\n".join(AZURE_REQUIREMENTS) + "\n").encode(),
    }
    return write_artifact("azure", build_zip(_function_files(opts.source), extra), opts.out_dir)


def build_all(opts: BuildOptions) -> dict[str, Artifact]:
    """Both packages, by cloud."""
    return {"aws": build_lambda(opts), "azure": build_azure(opts)}


DEFAULT_HOST_JSON = (
    b'{\n  "version": "2.0",\n  "extensionBundle": {\n'
    b'    "id": "Microsoft.Azure.Functions.ExtensionBundle",\n    "version": "[4.*, 5.0.0)"\n  }\n}\n'
)
