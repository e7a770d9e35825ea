"""Issue 21: YAML loading has limits. Size is checked before reading, alias expansion and nesting are bounded,
and a path that is not a YAML file is refused by name: one `error:` line, one `hint:` line, exit 2, at once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from refusal_support import CORPUS, refused


def test_a_20_mib_playbook_is_refused_by_size_before_parsing(cli: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    line = b"apiVersion: mcctl/v1\n" + b"# " + b"x" * 1000 + b"\n"
    with big.open("wb") as handle:
        for _ in range(20 * 1024):
            handle.write(line)
    began = time.monotonic()
    error = refused(cli("playbook", "validate", str(big)), names=str(big))
    assert time.monotonic() - began < 5  # parsing it took 257 s
    assert "larger than the 1 MiB limit" in error


def test_a_billion_laughs_playbook_is_refused_at_once(cli: Any) -> None:
    began = time.monotonic()
    error = refused(cli("playbook", "validate", str(CORPUS / "billion-laughs.yaml")))
    assert time.monotonic() - began < 5  # it hung
    assert "more than 100,000 values once aliases are expanded" in error


def test_just_under_the_limits_still_loads(tmp_path: Path) -> None:
    from multicloud_ctl.config.yamlsource import MAX_YAML_BYTES, MAX_YAML_DEPTH, load_yaml

    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * (MAX_YAML_DEPTH - 1) + "]" * (MAX_YAML_DEPTH - 1) + "\n")
    assert load_yaml(deep)[0]["a"] is not None
    padded = tmp_path / "padded.yaml"
    padded.write_text("a: 1\n" + "#" * (MAX_YAML_BYTES - 10) + "\n")
    assert padded.stat().st_size <= MAX_YAML_BYTES and load_yaml(padded)[0] == {"a": 1}
    shared = tmp_path / "aliases.yaml"
    shared.write_text("base: &b [1, 2, 3]\nuse: [*b, *b]\n")
    assert load_yaml(shared)[0]["use"] == [[1, 2, 3], [1, 2, 3]]  # an alias used twice is not a cycle


@pytest.mark.parametrize("kind", ["directory", "device", "missing"])
def test_a_path_that_is_not_a_yaml_file_is_refused_by_name(cli: Any, kind: str, tmp_path: Path) -> None:
    path = {"directory": tmp_path, "device": Path("/dev/zero"), "missing": tmp_path / "nope.yaml"}[kind]
    refused(cli("playbook", "validate", str(path)), names=str(path))
