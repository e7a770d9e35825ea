"""The moto server's strict layers are applied after their package is imported, never to a half-loaded one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run(tmp_path: Path, body: str) -> str:
    """Run `body` in a fresh interpreter with two watched packages: `outer` imports `inner` while it loads."""
    (tmp_path / "outer").mkdir()
    (tmp_path / "outer" / "__init__.py").write_text("import inner\nREADY = True\n")
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "__init__.py").write_text("READY = True\n")
    script = textwrap.dedent(
        """
        import sys
        from multicloud_ctl.local.moto_strict import after_import
        seen = []
        def layer():  # what make_stream_mappings_strict does: needs both packages complete
            import inner, outer
            seen.append((outer.READY, inner.READY))
        """
    ) + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_layer_waits_for_the_outermost_import_of_the_packages_it_patches(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        """
        after_import(("outer", "inner"), layer)
        assert not seen and "outer" not in sys.modules  # nothing imported, nothing applied yet
        import outer
        print(seen[0])
        """,
    )
    assert out == "(True, True)"


def test_a_layer_whose_package_is_already_imported_is_applied_at_once(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        """
        import inner
        after_import(("outer", "inner"), layer)
        print(len(seen))
        """,
    )
    assert out == "1"


def test_no_layer_runs_for_a_package_never_imported(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        """
        after_import(("outer",), layer)
        import json
        print(len(seen), "outer" in sys.modules)
        """,
    )
    assert out == "0 False"
