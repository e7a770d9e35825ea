"""`mcctl permissions [--cloud aws|azure|cloudflare]`: the least privilege mcctl needs, derived from its code.

Reads the source of `providers/` (every SDK call lives there) and the curated catalog of what each call needs
(`permissions/catalog.py`); no cloud call, no sandbox, no credentials. `-o json` prints the document itself
(an IAM policy, an Azure custom role definition, the Cloudflare token's permission groups) for piping into
`aws iam create-policy`, `az role definition create` or a token request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from multicloud_ctl.cli.state import get_state

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.permissions.documents import Derived

app = typer.Typer(
    help="Print the IAM policy, Azure role and Cloudflare token scopes mcctl needs.", add_completion=False
)

CLOUDS = ("aws", "azure", "cloudflare")
WHAT = {
    "aws": "IAM policy document (aws iam create-policy --policy-document file://policy.json)",
    "azure": "custom role definition (az role definition create --role-definition @role.json)",
    "cloudflare": "API token permission groups (dashboard: My Profile / API Tokens / Create Custom Token)",
}


@app.command()
def permissions(
    ctx: typer.Context,
    cloud: str = typer.Option(None, "--cloud", help="aws, azure or cloudflare. (default: all three)"),
) -> None:
    """The least-privilege IAM policy, Azure role and Cloudflare token scopes for the calls mcctl makes.

    Derived from the source (no cloud call); `-o json` prints the document itself. Scopes come from the
    environment (`--env`) where it names them: the Azure subscription, the Cloudflare account and zone.
    """
    from multicloud_ctl.errors import UsageError
    from multicloud_ctl.permissions.documents import DERIVE, document
    from multicloud_ctl.permissions.scan import scan

    if cloud is not None and cloud not in CLOUDS:
        raise UsageError(f"--cloud must be aws, azure or cloudflare, not {cloud!r}", hint="or leave it out: all three")
    state = get_state(ctx)
    clouds = [cloud] if cloud else list(CLOUDS)
    env = _environment(state)
    result = scan(clouds)
    derived = {c: DERIVE[c](result) for c in clouds}
    for d in derived.values():
        if d.missing:
            state.console.warn(f"{d.cloud}: no catalog entry for {', '.join(d.missing)} (permissions/catalog.py)")
    if state.console.json_mode:
        docs = {c: document(d, env) for c, d in derived.items()}
        state.console.print_json(docs[clouds[0]] if cloud else docs)
        return
    for c, d in derived.items():
        columns, rows = _table(d, env)
        state.console.table(
            columns, rows, title=f"{c}: {len(d.permissions())} permissions for {len(d.operations)} calls"
        )
        state.console.info(f"`mcctl permissions --cloud {c} -o json` prints the {WHAT[c]}")


def _environment(state: Any) -> Environment | None:
    """The selected environment, or None (placeholders are printed) when it cannot be loaded."""
    from multicloud_ctl.errors import McctlError

    try:
        env: Environment = state.environment()
    except McctlError as exc:
        message = f"environment {state.env} not loaded ({exc.message}): scopes are placeholders"
        if state.env == "local":  # the default may well be absent (an installed mcctl before `mcctl init`)
            state.console.detail(message)
        else:
            state.console.warn(message)
        return None
    return env


def _table(d: Derived, env: Environment | None) -> tuple[list[str], Sequence[Sequence[str]]]:
    from multicloud_ctl.permissions.documents import dashboard_name

    if d.cloud == "cloudflare":
        cf = env.cloudflare if env is not None else None
        where = {"account": cf.account_id if cf else "the account", "zone": cf.zone_name if cf else "the zone"}
        rows = [(dashboard_name(g.permission, g.kind), where[g.kind], ", ".join(g.needed_by)) for g in d.grants]
        return ["permission (scope / group / level)", "limit to", "needed by"], rows
    if d.cloud == "azure":
        rows = [
            (g.permission, "data" if g.kind == "dataAction" else "control", ", ".join(g.needed_by)) for g in d.grants
        ]
        return ["action", "plane", "needed by"], rows
    return ["action", "needed by", "in"], [(g.permission, ", ".join(g.needed_by), ", ".join(g.files)) for g in d.grants]
