"""The Azure read-only rules of the dry-run guard, without azure-core.

`guard.py` wraps the guard in an azure-core pipeline policy for the SDK clients; the wire path
(`blobwire.py`) checks the same guard directly, so a run that never builds an SDK client (the daily
backup's no-change pass) imports no `azure.*` module and is still guarded.
"""

from __future__ import annotations

from multicloud_ctl.providers.dryrun import MutationGuard

AZURE_READ_ONLY_POSTS = (
    r"/providers/Microsoft\.CostManagement/(query|forecast)$",
    r"/providers/Microsoft\.Consumption/[^/]+/list$",
    r"/config/[^/]+/list$",
    r"/list(Keys|ConnectionStrings|Secrets)?$",
)


def azure_guard(dry_run: bool) -> MutationGuard:
    """A guard with Azure's read-only POST allow-list."""
    return MutationGuard("azure", dry_run=dry_run, read_only_posts=AZURE_READ_ONLY_POSTS)
