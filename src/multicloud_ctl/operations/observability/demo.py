"""The `mcctl local demo` step for observability (run it after the shop traffic).

Picks the most recent order's trace from the sandbox's span collector, shows it (`mcctl trace show`), ships
the logs and platform metrics (`mcctl logs ship`), reads the order's log lines of both clouds back from the
central store (`mcctl logs query --trace-id`), and writes the dashboard page into the state directory.
Register with `DEMO_STEPS += [DemoStep(name, run) for name, run in observability.demo.STEPS]` in local/demo.py.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.errors import OperationFailed


def latest_order_trace(state_dir: Any) -> str:
    """The trace id of the newest `POST /orders` span the hosts exported."""
    from multicloud_ctl.operations.observability.traces import iter_spans, span_files

    orders = [s for s in iter_spans(span_files(state_dir)) if s.get("name") == "POST /orders"]
    if not orders:
        raise OperationFailed("no order has been traced yet", hint="run the shop traffic step first")
    return str(max(orders, key=lambda s: s.get("start", ""))["trace_id"])


def observability_demo_step(ctx: Any) -> str:
    trace_id = latest_order_trace(ctx.environment.env_state_dir)
    trace = ctx.mcctl_json("trace", "show", trace_id)
    shipped = ctx.mcctl_json("--yes", "logs", "ship")
    lines = ctx.mcctl_json("logs", "query", "--trace-id", trace_id)
    clouds = sorted({r["cloud"] for r in lines})
    page = ctx.environment.env_state_dir / "dashboard.html"
    ctx.mcctl_json("dashboard", "--out", str(page))
    return (
        f"trace {trace_id[:12]}: {trace['spans']} spans over {', '.join(trace['clouds'])}; shipped "
        f"{shipped['total']} log line(s); {len(lines)} line(s) of that order from {', '.join(clouds) or 'none'}; "
        f"dashboard at {page}"
    )


STEPS = [("observability", observability_demo_step)]
