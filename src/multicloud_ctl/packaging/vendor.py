"""Vendor third-party dependencies for a target runtime with pip (`pip install --target`).

Lambda runs CPython 3.12 on x86_64 Linux, whatever machine builds the package, so pip is asked for wheels of
that platform only (`--platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.12`). The result
is cached per requirement set under the build directory, so a rebuild of unchanged inputs runs pip once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from multicloud_ctl.errors import OperationFailed

LAMBDA_PLATFORM = "manylinux2014_x86_64"
LAMBDA_PYTHON = "3.12"

# What the function code imports beyond the standard library; boto3 ships with the Lambda runtime.
LAMBDA_REQUIREMENTS = (
    "sqlalchemy==2.1.9",
    "orjson==3.13.0",  # the CDC apply core's JSON (it falls back to the standard library's, same bytes)
    "pyjwt[crypto]==2.15.1",
    "redis==8.1.0",
    "stripe==16.1.0",
    "opentelemetry-api==1.45.2",
    "opentelemetry-sdk==1.45.2",
)
# Azure Functions installs requirements.txt itself (remote build): listed, not vendored.
AZURE_REQUIREMENTS = (
    "azure-functions==1.26.0",
    "azure-identity==1.27.0",  # the Service Bus adapter authenticates with Entra ID (managed identity)
    "azure-servicebus==7.15.0",
    "azure-storage-blob==12.31.1",
    "boto3==1.44.5",
    "sqlalchemy==2.1.9",
    "orjson==3.13.0",
    "pyjwt[crypto]==2.15.1",
    "redis==8.1.0",
    "stripe==16.1.0",
    "opentelemetry-api==1.45.2",
    "opentelemetry-sdk==1.45.2",
)


def vendor_key(requirements: Sequence[str], platform: str, python_version: str) -> str:
    text = "\n".join([platform, python_version, *sorted(requirements)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def vendor(
    requirements: Sequence[str],
    cache_root: Path,
    *,
    platform: str = LAMBDA_PLATFORM,
    python_version: str = LAMBDA_PYTHON,
    timeout: float = 600.0,
) -> Path:
    """A directory holding `requirements` installed for `platform`/`python_version` (cached)."""
    target = cache_root / f"vendor-{vendor_key(requirements, platform, python_version)}"
    if (target / ".complete").exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--platform",
        platform,
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        *requirements,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OperationFailed(f"pip did not finish vendoring within {timeout:.0f}s") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise OperationFailed(
            f"pip could not vendor the Lambda dependencies: {' | '.join(tail)}",
            hint="check network access to the package index, or build with --no-vendor",
        )
    shutil.rmtree(target / "bin", ignore_errors=True)
    (target / ".complete").write_text("\n".join(requirements) + "\n")
    return target
