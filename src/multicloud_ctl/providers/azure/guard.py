"""The Azure half of the dry-run guard: a pipeline policy every Azure client carries.

Installed as `custom_hook_policy` on the azure-mgmt clients and as an additional pipeline policy on the
storage clients, so it sees every request after retries and auth, just before the transport.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

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


class DryRunPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses (and counts) mutating requests under dry run; counts mutating requests otherwise."""

    def __init__(self, guard: MutationGuard) -> None:
        super().__init__()
        self.guard = guard

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        self.guard.check(http.method, http.url)
