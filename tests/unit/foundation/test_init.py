"""`mcctl init`: writes the shipped templates, keeps what exists unless --force, one line on a bad DIR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from multicloud_ctl.cli.init import template_files
from multicloud_ctl.errors import ExitCode

REPO = Path(__file__).resolve().parents[3]


def test_init_writes_every_template_and_keeps_edits_unless_forced(cli: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = json.loads(cli("-o", "json", "init", str(home)).stdout)
    assert {f["action"] for f in first["files"]} == {"written"}
    shipped = {rel for rel, _ in template_files()}
    assert {"config/local.yaml", "playbooks/provision.yaml"} <= shipped
    assert {str(p.relative_to(home)) for p in home.rglob("*.yaml")} == shipped
    assert (home / "config" / "local.yaml").read_bytes() == (REPO / "config" / "local.yaml").read_bytes()
    (home / "config" / "local.yaml").write_text("# mine\n")
    kept = json.loads(cli("-o", "json", "init", str(home)).stdout)
    assert {f["action"] for f in kept["files"]} == {"kept (exists; --force overwrites)"}
    assert (home / "config" / "local.yaml").read_text() == "# mine\n"
    forced = cli("-o", "json", "init", str(home), "--force")
    assert {f["action"] for f in json.loads(forced.stdout)["files"]} == {"written"}
    assert (home / "config" / "local.yaml").read_text() != "# mine\n"


def test_init_into_a_place_it_cannot_write_is_one_line_and_exit_2(cli: Any, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    for target in (afile, Path("/proc/mcctl-init-cannot-write")):
        res = cli("init", str(target))
        assert res.exit_code == ExitCode.USAGE, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), res.stderr
        assert "internal error" not in res.stderr
