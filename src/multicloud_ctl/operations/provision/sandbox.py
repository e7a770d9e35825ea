"""The `mcctl local demo` steps of provision: apply the shipped playbook to the sandbox, then check drift.

Both go through the real CLI in a fresh process (what a user would type), so the demo exercises the
confirmation (`--yes`), the lock, the journal and the JSON output as well as the plan itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLAYBOOK = Path(__file__).resolve().parents[2] / "templates" / "playbooks" / "provision.yaml"  # as shipped


def _playbook_args() -> list[str]:
    return ["--playbook", str(PLAYBOOK)] if PLAYBOOK.is_file() else []


def _demo_apply(ctx: Any) -> str:
    """Demo step: provision everything (a rerun on a provisioned sandbox is all no-op)."""
    out = ctx.mcctl_json("--yes", "provision", "apply", *_playbook_args(), timeout=600)
    steps = out.get("steps") or []
    counts = (out.get("summary") or {}).get("counts") or {}
    if counts and not steps:
        return f"already converged ({counts.get('noop', 0)} resources, journal {out.get('journal')})"
    return f"{len(steps)} change(s) applied (journal {out.get('journal')})"


def _demo_drift(ctx: Any) -> str:
    """Demo step: live state matches the playbook right after apply."""
    out = ctx.mcctl_json("provision", "drift", *_playbook_args(), timeout=300)
    return f"no drift ({out.get('allowed', 0)} allowed difference(s))"


STEPS = [("provision apply", _demo_apply), ("provision drift", _demo_drift)]
