"""What Azure RBAC lets the caller do on a scope, read without changing anything (Permissions - List For Resource).

`GET {arm}/subscriptions/{sub}/resourceGroups/{rg}[/providers/{ns}/{type}/{name}]/providers/
Microsoft.Authorization/permissions?api-version=2022-04-01` ("Permissions_ListForResourceGroup" and
"Permissions_ListForResource" in Azure/azure-rest-api-specs, specification/authorization/resource-manager/
Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json) answers `PermissionGetResult`:
`{"value": [{"actions", "notActions", "dataActions", "notDataActions"}], "nextLink"}`, one entry per role the
caller holds at that scope or above. Sent on an azure-core pipeline (the dry-run guard and retries apply; a GET
is never blocked).

`allowed(action, permissions)` applies ARM's rules to that answer: an action is granted when one entry's
`actions` match it and the same entry's `notActions` do not (notActions subtract from their own role only; a
deny needs a deny assignment), compared case-insensitively with `*` matching any run of characters
("Understand Azure role definitions", learn.microsoft.com/azure/role-based-access-control/role-definitions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from multicloud_ctl import errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

API_VERSION = "2022-04-01"


@lru_cache(maxsize=512)
def _pattern(wildcard: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in wildcard.split("*")), re.IGNORECASE)


def matches(action: str, patterns: Iterable[str]) -> bool:
    """Whether any ARM action pattern (`Microsoft.Sql/*`, `*/read`, `*`) covers `action`, ignoring case."""
    return any(_pattern(str(p)).fullmatch(action) for p in patterns)


def allowed(action: str, permissions: Iterable[Mapping[str, Any]], *, data: bool = False) -> bool:
    """Whether the permissions (the API's `value`) grant `action` (a data action when `data`)."""
    grant, deny = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    return any(matches(action, p.get(grant) or ()) and not matches(action, p.get(deny) or ()) for p in permissions)


@dataclass
class ArmPermissions:
    clients: AzureClients

    def _arm(self) -> str:
        return (self.clients.environment.endpoints().arm or "https://management.azure.com").rstrip("/")

    def list_for(self, scope: str) -> list[dict[str, Any]]:
        """The caller's permission entries on `scope` (a resource group or resource id), every page."""
        from azure.core import PipelineClient
        from azure.core.exceptions import ServiceRequestError
        from azure.core.pipeline.policies import RetryPolicy
        from azure.core.rest import HttpRequest

        from multicloud_ctl.providers.azure.clients import retry_settings
        from multicloud_ctl.providers.azure.credential import ARM_SCOPE, authentication_policy
        from multicloud_ctl.providers.azure.guard import DryRunPolicy

        policies = [
            RetryPolicy(**retry_settings(self.clients.environment)),
            authentication_policy(self.clients.credential, ARM_SCOPE),
            DryRunPolicy(self.clients.guard),
        ]
        url: str | None = (
            f"{self._arm()}{scope.rstrip('/')}/providers/Microsoft.Authorization/permissions?api-version={API_VERSION}"
        )
        client: Any = PipelineClient(base_url=self._arm(), policies=policies)
        out: list[dict[str, Any]] = []
        while url:
            try:
                resp = client.send_request(HttpRequest("GET", url))
            except ServiceRequestError as exc:
                raise errors.EndpointUnreachable(f"Azure Resource Manager unreachable: {exc}") from exc
            if resp.status_code == 404:
                raise errors.NotFound(f"Azure permissions: {scope} not found")
            if resp.status_code >= 400:
                try:
                    err = json.loads(resp.text() or "{}").get("error") or {}
                except ValueError:
                    err = {}
                raise errors.ProviderError(
                    f"Azure permissions list on {scope}: HTTP {resp.status_code} {err.get('code', '')}".rstrip(),
                    provider="azure",
                    operation="Permissions_ListForResource",
                    status=resp.status_code,
                )
            page = dict(json.loads(resp.text() or "{}"))
            out.extend(dict(p) for p in page.get("value") or [])
            url = page.get("nextLink") or None
        return out
