"""Shell completion through the installed entry point: the fast help path must not answer for it (it printed
the help text as completions), and verbs, subcommands and options complete, lazily loaded groups included."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def _complete(words: str) -> list[str]:
    env = {**os.environ, "_MCCTL_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    code = "import sys; sys.argv = ['mcctl']; from multicloud_ctl.cli.entry import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_verbs_subcommands_and_options_complete() -> None:
    assert _complete("mcctl ba") == ["backup"]
    assert "failover" in _complete("mcctl ") and "Operate" not in _complete("mcctl ")
    assert "daily" in _complete("mcctl backup ") and "weekly" in _complete("mcctl backup ")
    assert _complete("mcctl backup daily --pl") == ["--playbook"]


def test_the_bash_script_is_printed_for_eval() -> None:
    env = {**os.environ, "_MCCTL_COMPLETE": "source_bash"}
    code = "import sys; sys.argv = ['mcctl']; from multicloud_ctl.cli.entry import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "_mcctl_completion()" in out.stdout and "complete -o" in out.stdout
