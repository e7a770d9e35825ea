"""`mcctl security audit`: run the registered checks and assemble the report.

    report = run_audit(runtime, scan_paths=(Path("playbooks"), Path("config")), only=["aws.s3.encryption"])

Checks run in registration order with read-only calls (the CLI builds a dry-run guarded runtime, so a
check that tried to change something would be refused). A check that raises is an `error` result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import McctlError, UsageError
from multicloud_ctl.operations.security import checks_aws, checks_azure  # noqa: F401  (registers checks)
from multicloud_ctl.operations.security.findings import (
    CHECKS,
    AuditReport,
    CheckContext,
    CheckResult,
    Finding,
    check,
)

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


EMULATOR_FILES = {"moto.log", "azurite.log", "azurite", "arm.log", "edge.log", "edge-state.json"}


@check("local.secret_scan", "local", "No secret values in playbooks, config, journals or logs")
def secret_scan(ctx: CheckContext) -> list[Finding]:
    from multicloud_ctl.config.secrets import Redactor
    from multicloud_ctl.operations.security.scanner import scan_paths

    known = Redactor()  # not the resolver's values: those include public `literal-dev:` emulator keys
    try:  # the live API keys are the secrets most likely to leak into a log: look for them by value
        from multicloud_ctl.operations.security.apikey_store import read_state

        state = read_state(ctx.runtime)
        for key in (*state.aws_keys, *state.azure_keys):
            known.add(key)
    except McctlError as exc:
        ctx.skip(f"API keys not readable for the value scan: {exc}")
    state_dir = ctx.runtime.environment.env_state_dir
    roots = (*ctx.scan_paths, state_dir)
    ctx.saw(len(roots))
    emulators = state_dir / "sandbox"

    def not_ours(path: Path) -> bool:
        """The sandbox emulators' own logs and data (moto's request log holds the fake keys the tests send):
        not something mcctl wrote. The functions hosts' logs (our code) are still scanned."""
        try:
            first = path.relative_to(emulators).parts[0]
        except ValueError:
            return False
        return first in EMULATOR_FILES

    return [
        ctx.finding(
            "high",
            f"{hit.path}:{hit.line}",
            f"secret-looking value ({hit.rule})",
            "remove it, rotate the secret, and use a reference (env:, aws-secretsmanager:, azure-keyvault:)",
        )
        for hit in scan_paths(roots, known, skip=not_ours)
    ]


def run_audit(runtime: Runtime, *, scan_paths: Sequence[Path] = (), only: Sequence[str] = ()) -> AuditReport:
    """Run every check (or the `only` ones, by id or id prefix) and return the report."""
    selected = [c for c in CHECKS.values() if not only or any(c.id == o or c.id.startswith(o + ".") for o in only)]
    if only and not selected:
        raise UsageError(f"no audit check matches {', '.join(only)}", hint=f"known: {', '.join(CHECKS)}")
    results = []
    with runtime.activity("audit", f"run {len(selected)} security check(s)", len(selected)) as act:
        for chk in selected:
            ctx = CheckContext(runtime, chk.id, tuple(scan_paths))
            act.advance(0, detail=chk.title)
            try:
                findings = chk.fn(ctx)
            except McctlError as exc:
                results.append(CheckResult(chk.id, chk.cloud, chk.title, "error", error=str(exc)))
                act.advance()
                continue
            status = "fail" if findings else ("skipped" if ctx.skipped and not ctx.inspected else "pass")
            results.append(CheckResult(chk.id, chk.cloud, chk.title, status, findings, ctx.skipped))
            act.advance()
    return AuditReport(runtime.environment.name, iso(runtime.clock()), results)
