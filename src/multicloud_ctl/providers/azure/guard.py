"""The Azure half of the dry-run guard: a pipeline policy every Azure client carries.

Installed as `custom_hook_policy` on the azure-mgmt clients and as an additional pipeline policy on the
storage clients, so it sees every request after retries and auth, just before the transport. The rules
(which POSTs are reads) live in `readonly.py`, which the wire path uses without azure-core.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

from multicloud_ctl.providers.azure.readonly import AZURE_READ_ONLY_POSTS, azure_guard
from multicloud_ctl.providers.dryrun import MutationGuard

__all__ = ["AZURE_READ_ONLY_POSTS", "DryRunPolicy", "azure_guard"]


class DryRunPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses (and counts) mutating requests under dry run; counts mutating requests otherwise."""

    def __init__(self, guard: MutationGuard) -> None:
        super().__init__()
        self.guard = guard

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        self.guard.check(http.method, http.url)
