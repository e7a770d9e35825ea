"""Generic ARM resources by id for provision: get, put (create or replace, waiting on the LRO), delete.

Every resource provision manages on Azure (resource groups, storage, SQL, Service Bus, web, network,
Front Door) is one ARM id + api-version + JSON body, sent through azure-mgmt-resource's `*_by_id`
operations on `AzureClients.resources`; the SDK's retry policy and the dry-run guard apply to every call.
Bodies and results are plain dicts in ARM's wire shape (`location`, `tags`, `sku`, `kind`, `properties`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

WIRE_KEYS = ("location", "tags", "sku", "kind", "properties", "identity")


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

    def get(self, resource_id: str, api_version: str) -> dict[str, Any] | None:
        """The resource's wire JSON, or None when it does not exist."""
        try:
            with azure_errors(f"get {resource_id}"):
                if _is_group(resource_id):
                    return _wire(self.clients.resources.resource_groups.get(resource_id.rsplit("/", 1)[1]))
                return _wire(self._ops.get_by_id(resource_id, api_version=api_version))
        except NotFound:
            return None

    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the resource and wait for the long-running operation."""
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
