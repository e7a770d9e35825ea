"""Packages are reproducible: same input -> same bytes and hash-named file; any change -> a new name."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from multicloud_ctl.packaging.builder import FUNCTIONS_DIR, BuildOptions, build_azure, build_lambda
from multicloud_ctl.packaging.zipbuild import FIXED_TIME


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A private copy of the functions package (other work may edit the real one meanwhile)."""
    dest = tmp_path / "src" / "functions"
    shutil.copytree(FUNCTIONS_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_same_input_gives_the_same_bytes_and_name(source: Path, tmp_path: Path) -> None:
    one = build_lambda(BuildOptions(tmp_path / "a", vendor=False, source=source))
    (source / "__pycache__").mkdir(exist_ok=True)
    (source / "__pycache__" / "junk.cpython-312.pyc").write_bytes(b"\x00cache")  # never packaged
    two = build_lambda(BuildOptions(tmp_path / "b", vendor=False, source=source))
    assert one.sha256 == two.sha256 and one.read() == two.read()
    assert one.name == f"lambda-{one.sha256[:16]}.zip" == two.name


def test_a_changed_file_changes_the_hash(source: Path, tmp_path: Path) -> None:
    before = build_azure(BuildOptions(tmp_path / "a", vendor=False, source=source))
    with (source / "config.py").open("a") as fh:
        fh.write("\n# a change\n")
    after = build_azure(BuildOptions(tmp_path / "a", vendor=False, source=source))
    assert before.sha256 != after.sha256 and before.path != after.path


def test_entries_are_sorted_with_fixed_times_and_modes(source: Path, tmp_path: Path) -> None:
    art = build_lambda(BuildOptions(tmp_path, vendor=False, source=source))
    infos = zipfile.ZipFile(io.BytesIO(art.read())).infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {FIXED_TIME}
    assert {i.external_attr >> 16 for i in infos} == {0o644}
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_lambda_layout_has_handlers_and_no_azure_app(source: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(build_lambda(BuildOptions(tmp_path, vendor=False, source=source)).path).namelist())
    assert "multicloud_ctl/__init__.py" in names
    assert "multicloud_ctl/functions/aws_lambda/order_service.py" in names
    assert "multicloud_ctl/functions/aws_lambda/router.py" in names
    assert not any(n.startswith("multicloud_ctl/functions/azure/") for n in names)


def test_azure_layout_has_the_functions_host_files_at_the_root(source: Path, tmp_path: Path) -> None:
    art = build_azure(BuildOptions(tmp_path, vendor=False, source=source))
    z = zipfile.ZipFile(art.path)
    assert {"function_app.py", "host.json", "requirements.txt"} <= set(z.namelist())
    assert b"azure-functions" in z.read("requirements.txt")
    assert z.read("function_app.py") == (source / "azure" / "function_app.py").read_bytes()


def test_code_sha256_is_lambdas_base64_form(source: Path, tmp_path: Path) -> None:
    import base64
    import hashlib

    art = build_lambda(BuildOptions(tmp_path, vendor=False, source=source))
    assert art.code_sha256_b64 == base64.b64encode(hashlib.sha256(art.read()).digest()).decode()


def test_pinned_requirements_match_the_project_pins() -> None:
    import tomllib

    from multicloud_ctl.packaging.vendor import AZURE_REQUIREMENTS, LAMBDA_REQUIREMENTS

    root = Path(__file__).resolve().parents[3]
    pins = {
        d.split("==")[0].split("[")[0]: d.split("==")[1]
        for d in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
        if "==" in d
    }
    for req in (*LAMBDA_REQUIREMENTS, *AZURE_REQUIREMENTS):
        if "==" in req:
            name, version = req.split("==")
            assert pins[name.split("[")[0]] == version, req
