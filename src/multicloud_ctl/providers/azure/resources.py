"""Generic ARM resources by id for provision: get, put (create or replace, waiting on the LRO), delete.

Every resource provision manages on Azure (resource groups, storage, SQL, Service Bus, web, network,
Front Door) is one ARM id + api-version + JSON body, sent through azure-mgmt-resource's `*_by_id`
operations on `AzureClients.resources`; the SDK's retry policy and the dry-run guard apply to every call.
Bodies and results are plain dicts in ARM's wire shape (`location`, `tags`, `sku`, `kind`, `properties`).

Reads for a plan (`get(..., listed=True)`) first ask the resource group's listing (Resources - List By
Resource Group, one paged call per group per run, `AzureClients.listings`): a group that does not exist
(404 ResourceGroupNotFound) holds nothing, and a resource whose top-level resource (itself, or the parent of
a child or extension resource) is not in the listing does not exist, so only what exists is read by id. A
plan of an empty subscription costs one call per group instead of one per resource. The listing names
tracked resources only (no properties, no proxy children, no extension resources such as role
assignments), so a resource whose top level is an extension on the group itself is read by id. A write
through these clients drops its group's listing (`drop_group_listing`, from the dry-run guard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients
    from multicloud_ctl.providers.listing_cache import ListingCache

WIRE_KEYS = ("location", "tags", "sku", "kind", "properties", "identity")
GROUP_LISTING = "arm-group:"  # + the group's id, lower case: (exists, ids of the tracked resources in it)
# resource types that live on another resource (or the group) and are never in a group's listing
EXTENSION_NAMESPACES = frozenset({"microsoft.authorization", "microsoft.resources", "microsoft.security"})
EXTENSION_TYPES = frozenset({"microsoft.insights/diagnosticsettings"})


def _segments(resource_id: str) -> list[str]:
    return [p for p in resource_id.split("?", 1)[0].split("/") if p]


def group_of(resource_id: str) -> str | None:
    """`/subscriptions/{sub}/resourcegroups/{group}` (lower case) of an id or URL path under a group, else None."""
    parts = _segments(resource_id)
    for i in range(len(parts) - 3):
        if parts[i].lower() == "subscriptions" and parts[i + 2].lower() == "resourcegroups":
            return f"/subscriptions/{parts[i + 1]}/resourcegroups/{parts[i + 3]}".lower()
    return None


def top_level_of(resource_id: str) -> str | None:
    """The id (lower case) of the tracked top-level resource that `resource_id` is or lives under, as a
    group's listing names it; None for the group itself or an extension resource on the group."""
    parts = _segments(resource_id)
    if len(parts) < 8 or parts[4].lower() != "providers":
        return None
    namespace, rtype = parts[5].lower(), parts[6].lower()
    if namespace in EXTENSION_NAMESPACES or f"{namespace}/{rtype}" in EXTENSION_TYPES:
        return None
    return "/" + "/".join(parts[:8]).lower()


def drop_group_listing(listings: ListingCache, url: str) -> None:
    """A write is on its way to `url`: the listing of the group it is under no longer holds."""
    group = group_of(urlsplit(url).path)
    if group is not None:
        listings.invalidate(GROUP_LISTING + group)


def _wire(resource: Any) -> dict[str, Any]:
    """ARM's wire JSON for an SDK GenericResource / ResourceGroup."""
    if hasattr(resource, "as_dict"):
        data = resource.as_dict()
    else:
        data = resource.serialize(keep_readonly=True) if hasattr(resource, "serialize") else dict(resource)
    return {k: data[k] for k in (*WIRE_KEYS, "id", "name", "type") if data.get(k) is not None}


@dataclass
class ArmResources:
    """ARM resources by id, for one environment's subscription."""

    clients: AzureClients

    @property
    def _ops(self) -> Any:
        return self.clients.resources.resources

    def resource_id(self, group: str, provider_path: str) -> str:
        """`/subscriptions/{sub}/resourceGroups/{group}/providers/{provider_path}`."""
        sub = self.clients.subscription_id
        return f"/subscriptions/{sub}/resourceGroups/{group}" + (f"/providers/{provider_path}" if provider_path else "")

    def group_listing(self, group: str) -> tuple[bool, frozenset[str]]:
        """Whether the group (`group_of` form) exists, and the ids (lower case) of the resources it lists;
        listed once per run (`ListingCache`: parallel readers wait for the one listing in flight)."""

        def listing() -> tuple[bool, frozenset[str]]:
            name = group.rsplit("/", 1)[1]
            try:
                with azure_errors(f"list resources of {group}"):
                    return True, frozenset(str(r.id).lower() for r in self._ops.list_by_resource_group(name))
            except NotFound:
                return False, frozenset()

        found: tuple[bool, frozenset[str]] = self.clients.listings.fetch(GROUP_LISTING + group, listing)
        return found

    def may_exist(self, resource_id: str) -> bool:
        """False when the group's listing shows that `resource_id` does not exist (no call of its own)."""
        group = group_of(resource_id)
        if group is None or group.split("/")[2] != str(self.clients.subscription_id).lower():
            return True
        exists, ids = self.group_listing(group)
        if not exists:
            return False
        top = top_level_of(resource_id)
        return top is None or top in ids

    def get(self, resource_id: str, api_version: str, *, listed: bool = False) -> dict[str, Any] | None:
        """The resource's wire JSON, or None when it does not exist. `listed`: ask the group's listing
        first (plan reads: most resources of a young environment are absent; see the module docstring)."""
        if listed and not self.may_exist(resource_id):
            return None
        try:
            with azure_errors(f"get {resource_id}"):
                if _is_group(resource_id):
                    return _wire(self.clients.resources.resource_groups.get(resource_id.rsplit("/", 1)[1]))
                return _wire(self._ops.get_by_id(resource_id, api_version=api_version))
        except NotFound:
            return None

    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the resource and wait for the long-running operation."""
        try:
            return self._put(resource_id, api_version, body)
        finally:  # the guard dropped the listing as the write left; one made while it ran is not kept either
            drop_group_listing(self.clients.listings, resource_id)

    def _put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        with azure_errors(f"put {resource_id}"):
            if _is_group(resource_id):
                group = {"location": body["location"], "tags": body.get("tags") or {}}
                return _wire(
                    self.clients.resources.resource_groups.create_or_update(resource_id.rsplit("/", 1)[1], group)
                )
            wire = {k: v for k, v in body.items() if k in WIRE_KEYS}
            poller = self._ops.begin_create_or_update_by_id(resource_id, wire, api_version=api_version)
            return _wire(poller.result())

    def delete(self, resource_id: str, api_version: str) -> None:
        """Delete the resource (children go with it) and wait; a missing resource is not an error."""
        try:
            self._delete(resource_id, api_version)
        finally:
            drop_group_listing(self.clients.listings, resource_id)

    def _delete(self, resource_id: str, api_version: str) -> None:
        try:
            with azure_errors(f"delete {resource_id}"):
                if _is_group(resource_id):
                    self.clients.resources.resource_groups.begin_delete(resource_id.rsplit("/", 1)[1]).result()
                else:
                    self._ops.begin_delete_by_id(resource_id, api_version=api_version).result()
        except NotFound:
            return


def _is_group(resource_id: str) -> bool:
    parts = [p for p in resource_id.split("/") if p]
    return len(parts) == 4 and parts[2].lower() == "resourcegroups"
