"""What a clean refusal looks like (issue 21): exit 2, exactly one `error:` and one `hint:` line, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from multicloud_ctl.errors import ExitCode

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad_inputs"


def refused(res: Any, *, names: str | None = None) -> str:
    """Assert `res` (a `cli` result) is a clean usage refusal, naming `names` when given; return its error line."""
    assert "internal error" not in res.stdout + res.stderr, res.stderr
    assert res.exit_code == ExitCode.USAGE, (res.exit_code, res.stdout, res.stderr)
    lines = res.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    hints = [line for line in lines if line.startswith("hint: ")]
    assert len(errors) == 1 and len(hints) == 1 and len(lines) == 2, res.stderr
    if names is not None:
        assert names in errors[0], errors[0]
    return errors[0]
