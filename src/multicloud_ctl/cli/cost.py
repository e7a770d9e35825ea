"""`mcctl cost`: one FOCUS 1.2 cost report for AWS and Azure, budgets, forecast, anomalies, recommendations.

Every command only reads the clouds; `seed` writes sandbox data (journaled) and refuses non-local environments.
Exit 3 when a budget is forecast to be exceeded by month end (report, forecast), so CI can gate on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from multicloud_ctl.cli.state import get_state

if TYPE_CHECKING:
    from multicloud_ctl.cli.console import Console
    from multicloud_ctl.cli.state import CliState
    from multicloud_ctl.operations.cost.budgets import BudgetStatus
    from multicloud_ctl.operations.cost.fetch import CostSources

app = typer.Typer(
    help="One FOCUS cost report for AWS and Azure, budgets, forecast, anomalies.",
    no_args_is_help=True,
    add_completion=False,
)

PLAYBOOK = typer.Option(None, "--playbook", "-p", help="Cost playbook. (default: cost.yaml in the playbook directory)")
PROVIDER = typer.Option("all", "--provider", help="all, aws or azure.")
FORMATS = ("table", "json", "csv", "focus", "html")


def _clouds(provider: str) -> tuple[str, ...]:
    from multicloud_ctl.errors import UsageError

    if provider not in ("all", "aws", "azure"):
        raise UsageError(f"--provider {provider!r} is not one of all, aws, azure")
    return ("aws", "azure") if provider == "all" else (provider,)


def _sources(state: CliState, provider: str) -> CostSources:
    from multicloud_ctl.operations.cost.fetch import CostSources

    sources = CostSources.for_environment(state.environment(), _clouds(provider))
    sources.emit = state.console.renderer()
    return sources


def _today(state: CliState) -> Any:
    """Today in UTC on this invocation's clock (`MCCTL_NOW` pins it)."""
    return state.clock.today()


def _gate_budgets(console: Console, budgets: list[BudgetStatus]) -> None:
    """Warn about budget notes; exit 3 (Degraded) when any budget is forecast over."""
    from multicloud_ctl.errors import Degraded

    for b in budgets:
        for note in b.notes:
            console.warn(f"budget {b.name}: {note}")
    over = [b for b in budgets if b.exceeded_by_forecast]
    if over:
        names = ", ".join(f"{b.name} ({b.percent_forecast:.0f}% of {b.amount:,.0f} {b.currency})" for b in over)
        raise Degraded(
            f"forecast to exceed budget by month end: {names}", hint="see the budget table; --no-budgets skips the gate"
        )


def _write(console: Console, out: Path | None, write: Callable[[TextIO], int | None]) -> None:
    """Stream `write(stream)` to stdout, or to `--out` written beside it and renamed into place when complete
    (an interrupted export never leaves a truncated file); `write` returns its row count, or None."""
    import sys

    if out is None:
        write(sys.stdout)
        return
    from multicloud_ctl.cli.outfile import replacing
    from multicloud_ctl.humanize import size

    with replacing("--out", out) as stream:
        rows = write(stream)
    counted = f"{rows:,} rows, " if rows is not None else ""
    console.success(f"wrote {out} ({counted}{size(out.stat().st_size)})")


def _text(text: str) -> Callable[[TextIO], None]:
    """A writer of one finished text (ending in a newline)."""

    def write(stream: TextIO) -> None:
        stream.write(text if text.endswith("\n") else text + "\n")

    return write


@app.command()
def report(
    ctx: typer.Context,
    last: str = typer.Option(None, "--last", help="Trailing window ending today (UTC): 30d, 4w, 3mo."),
    since: str = typer.Option(None, "--since", help="First day (YYYY-MM-DD, UTC)."),
    until: str = typer.Option(None, "--until", help="Last day, inclusive (YYYY-MM-DD, UTC). (default: today)"),
    granularity: str = typer.Option("daily", "--granularity", help="daily or monthly."),
    group_by: str = typer.Option("service", "--group-by", help="provider, service, region or tag:KEY."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, csv, focus (FOCUS 1.2 CSV) or html."),
    out: Path = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    provider: str = PROVIDER,
    playbook: Path = PLAYBOOK,
    no_budgets: bool = typer.Option(False, "--no-budgets", help="Skip the budgets (and their exit-3 gate)."),
    movers_basis: str = typer.Option(
        None,
        "--movers-basis",
        help="Top movers on effective (amortized: an up-front reservation is not a mover) or billed cost."
        " (default: the playbook's movers_basis, else effective)",
    ),
) -> None:
    """Cost of both clouds over a period, normalized to FOCUS 1.2 (default: last 30 days, by service)."""
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.cost import render
    from multicloud_ctl.operations.cost.period import resolve_period
    from multicloud_ctl.operations.cost.render_views import BUDGET_COLUMNS, budget_json, budget_rows
    from multicloud_ctl.operations.cost.report import MOVER_BASES, group_key
    from multicloud_ctl.operations.cost.views import load_spec, report_view

    state = get_state(ctx)
    console = state.console
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    if granularity not in ("daily", "monthly"):
        raise UsageError(f"--granularity {granularity!r} is not daily or monthly")
    group_key(group_by)  # validates --group-by before any network call
    if movers_basis is not None and movers_basis not in MOVER_BASES:
        raise UsageError(f"--movers-basis {movers_basis!r} is not one of {', '.join(MOVER_BASES)}")
    fmt = "json" if fmt == "table" and console.json_mode else fmt
    if out is not None and fmt == "table":
        raise UsageError("--out needs --format json, csv, focus or html")
    if out is not None:
        from multicloud_ctl.cli.outfile import refuse_directory

        refuse_directory("--out", out)
    today = _today(state)
    period = resolve_period(last=last, since=since, until=until, today=today)
    spec, _ = load_spec(playbook)
    result = report_view(
        _sources(state, provider),
        spec,
        period,
        today=today,
        group_by=group_by,
        granularity=granularity,
        with_budgets=not no_budgets,
        mover_basis=movers_basis,
    )
    for warning in result.report.warnings:
        console.warn(warning)
    if result.empty:
        rows = ", ".join(f"{k}: {v}" for k, v in result.dataset.sources.items())
        console.info(f"no cost data for {period} ({rows})")
        if state.environment().is_local:
            console.info(
                "hint: on the sandbox, `mcctl cost seed` loads 90 days and primes the last 7/14/30/60/90 "
                "days and each calendar month (moto's Cost Explorer answers only primed queries)"
            )
    if fmt == "table":
        for view in render.report_tables(result.report):
            if view.rows:
                console.table(view.columns, view.rows, title=view.title)
        if result.budgets:
            console.table(BUDGET_COLUMNS, budget_rows(result.budgets), title="Budgets (this month, UTC)")
    elif fmt == "json":
        from multicloud_ctl.cli.console import dumps

        doc = {**render.report_json(result.report), "budgets": budget_json(result.budgets)}
        _write(console, out, _text(dumps(doc)))
    elif fmt == "csv":
        _write(console, out, _text(render.report_csv(result.dataset.records, result.report)))
    elif fmt == "focus":
        env = state.environment()
        names = {
            k: v
            for k, v in (
                (env.aws.account_id, env.aws.account_name),
                (env.azure.subscription_id, env.azure.subscription_name),
            )
            if v
        }
        records = result.dataset.records
        _write(console, out, lambda f: render.write_focus_csv(f, records, period, granularity, names))
    else:
        from multicloud_ctl.operations.cost.render_html import render_html

        _write(console, out, _text(render_html(result.report, result.budgets)))
    _gate_budgets(console, result.budgets)


@app.command()
def forecast(ctx: typer.Context, provider: str = PROVIDER, playbook: Path = PLAYBOOK) -> None:
    """Forecast this month's cost to month end per provider, and each budget's outlook (exit 3 if over)."""
    from multicloud_ctl.operations.cost.render_views import BUDGET_COLUMNS, budget_rows, forecast_view_data
    from multicloud_ctl.operations.cost.views import forecast_view, load_spec

    state = get_state(ctx)
    console = state.console
    spec, _ = load_spec(playbook)
    sources = _sources(state, provider)
    probe = None
    if sources.aws is not None:
        from multicloud_ctl.providers.aws.cost_explorer import CostExplorer, ce_client

        probe = CostExplorer(ce_client(state.environment(), max_attempts=1)).cost_forecast
    result = forecast_view(sources, spec, today=_today(state), ce_forecast=probe)
    for note in result.notes:
        console.warn(note)
    for method in sorted({p.method for p in result.providers}):
        console.info(f"method: {method}")
    data, columns, rows = forecast_view_data(result)
    console.emit(data, columns=columns, rows=rows, title=f"Forecast to {result.month_end} (UTC)")
    if result.budgets and not console.json_mode:
        console.table(BUDGET_COLUMNS, budget_rows(result.budgets), title="Budgets (this month, UTC)")
    _gate_budgets(console, result.budgets)


@app.command()
def anomalies(
    ctx: typer.Context,
    provider: str = PROVIDER,
    playbook: Path = PLAYBOOK,
    sensitivity: float = typer.Option(None, "--sensitivity", min=0.5, help="Robust z threshold [playbook]."),
    fail: bool = typer.Option(False, "--fail", help="Exit 3 when anything is flagged."),
) -> None:
    """Days on which a service's cost left its normal range (weekday-adjusted median / MAD per service)."""
    from multicloud_ctl.errors import Degraded
    from multicloud_ctl.operations.cost.anomalies import METHOD
    from multicloud_ctl.operations.cost.render_views import anomalies_view_data
    from multicloud_ctl.operations.cost.views import anomalies_view, load_spec

    state = get_state(ctx)
    console = state.console
    spec, _ = load_spec(playbook)
    found, data, policy = anomalies_view(_sources(state, provider), spec, today=_today(state), sensitivity=sensitivity)
    for warning in data.warnings:
        console.warn(warning)
    console.info(
        f"method: {METHOD}; lookback {policy.lookback_days} days, last {policy.evaluate_days} complete "
        f"days checked, |z| > {policy.sensitivity:g} and |delta| >= {policy.min_daily_delta:g}"
    )
    doc, columns, rows = anomalies_view_data(found, policy)
    console.emit(doc, columns=columns, rows=rows, title=f"Cost anomalies ({len(found)} flagged)")
    if not found:
        console.info("no anomalies: every service stayed inside its expected range")
    elif fail:
        raise Degraded(f"{len(found)} cost anomalies flagged", hint="see the table; drop --fail to only report")


@app.command()
def recommend(ctx: typer.Context, provider: str = PROVIDER, playbook: Path = PLAYBOOK) -> None:
    """Savings: storage tiering, Lambda memory, DynamoDB mode, commitments, transfer, idle standby."""
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.cost.recommend import recommend as build
    from multicloud_ctl.operations.cost.render_views import recommend_view_data
    from multicloud_ctl.operations.cost.views import load_spec

    state = get_state(ctx)
    spec, _ = load_spec(playbook)
    runtime = make_runtime(state, dry_run=True)  # read-only: the guards refuse any mutating call
    recs = build(runtime, spec, _sources(state, provider), today=_today(state), clouds=_clouds(provider))
    data, columns, rows = recommend_view_data(recs)
    state.console.emit(data, columns=columns, rows=rows, title="Cost recommendations")


@app.command()
def seed(
    ctx: typer.Context,
    days: int = typer.Option(90, "--days", help="Days of data ending today (UTC)."),
    seed_value: int = typer.Option(7, "--seed", help="Random seed (same seed + same day = same data)."),
    provider: str = PROVIDER,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be seeded; change nothing."),
) -> None:
    """Load deterministic cost data into the sandbox (moto Cost Explorer + the fake ARM). Sandbox only."""
    from multicloud_ctl.cli.runner import run_operation
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.operations.cost.seeding import seed_operation

    state = get_state(ctx)
    env = state.environment()
    if not env.is_local:
        raise UsageError(
            f"`mcctl cost seed` only writes to the sandbox; {env.name!r} is a cloud environment", hint="use --env local"
        )
    clouds = _clouds(provider)
    op = seed_operation(days=days, seed=seed_value, clouds=clouds, today=_today(state))
    outcome = run_operation(state, op, dry_run=dry_run)
    outcome.raise_for_status()
    if dry_run:
        plan = outcome.result
        rows = [
            ["aws", plan["aws"], f"{days} days; {plan['queries']} primed Cost Explorer queries; usage metrics"],
            ["azure", plan["arm"], f"{days} days of Cost Management records"],
        ]
        state.console.emit(
            {k: v for k, v in plan.items() if k != "queries"},
            columns=["Cloud", "Endpoint", "What"],
            rows=[r for r in rows if r[0] in clouds],
            title="cost seed plan (dry run: nothing changed)",
        )
        return
    summary = outcome.result
    state.console.emit(
        summary,
        columns=["From", "To", "AWS rows", "Azure rows", "CE queries primed", "metrics"],
        rows=[
            [
                summary.first_day,
                summary.last_day,
                summary.aws_rows if "aws" in clouds else 0,
                summary.azure_rows if "azure" in clouds else 0,
                summary.primed_queries,
                summary.metric_points,
            ]
        ],
        title="cost data seeded",
    )
