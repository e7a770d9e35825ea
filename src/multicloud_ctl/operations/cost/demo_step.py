"""The `mcctl local demo` step for cost: seed the sandbox's cost data, then run the report like a user would.

Runs the real CLI in a fresh process (through the demo context): `cost seed`, `cost report --format json`
(exit 3 is fine here: the seeded AWS Lambda spike pushes a small budget over its forecast, which is the
point of the gate) and an HTML copy in the environment's state directory.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.errors import OperationFailed


def cost_demo_step(ctx: Any) -> str:
    """Seed, report (JSON + HTML), and summarize in one line."""
    seeded = ctx.mcctl_json("--yes", "cost", "seed")
    report = ctx.mcctl_json("cost", "report", "--last", "30d", "--format", "json", ok_codes=(0, 3))
    html = ctx.environment.env_state_dir / "cost-report.html"
    result = ctx.mcctl("cost", "report", "--last", "30d", "--format", "html", "--out", str(html))
    if result.returncode not in (0, 3):
        raise OperationFailed(f"`mcctl cost report --format html` exited {result.returncode}")
    totals = ", ".join(f"{p['provider']} {p['billed']:,.2f} {p['currency']}" for p in report["providers"])
    over = [b["name"] for b in report.get("budgets", []) if b["status"] in ("forecast over", "over budget")]
    budgets = f"; budgets forecast over: {', '.join(over)}" if over else "; budgets ok"
    return (
        f"{seeded['days']} days seeded; last 30 days: {totals or 'no data'}{budgets}; "
        f"FOCUS 1.2 export via --format focus; HTML at {html}"
    )
