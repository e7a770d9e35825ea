"""The in-memory state of the fake Azure Resource Manager: resource groups and generic resources.

Resource ids are matched case-insensitively (as ARM does) but echoed with the casing of the first PUT.
A resource is stored as the JSON ARM returns for it: `id`, `name`, `type`, `location`, `tags`,
`properties` (with `provisioningState`), plus any other top-level keys the client sent (`kind`, `sku`,
`identity`...). Long-running operations are recorded so the operation endpoints can answer the SDK
pollers; they advance by count, never by time: each poll of the operation (or GET of its resource) moves the
resource's `provisioningState` on, Accepted -> Creating/Updating -> Succeeded after `lro_polls` polls, and a
resource being deleted answers `Deleting` until its delete operation completes, then is gone.
Other fakes (Cost Management, zip deploy) read and write through this object.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from multicloud_ctl.engine.clock import default_clock, iso

RG_TYPE = "Microsoft.Resources/resourceGroups"
_RESERVED = {"id", "name", "type"}


def _now() -> str:
    return iso(default_clock().now())


def canonical(resource_id: str) -> str:
    """The lookup key for a resource id: lower-case, no trailing slash, `resourcegroups` spelled one way."""
    return resource_id.rstrip("/").lower()


SANDBOX_TENANT = "00000000-0000-0000-0000-00000000face"  # the tenant the sandbox's identities live in


def _identity(sent: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """A managed identity as ARM answers it: a system-assigned one gets a service principal (`principalId`,
    `tenantId`) that lives as long as the resource keeps the identity, as Entra ID creates it."""
    out = dict(sent)
    if "systemassigned" in str(sent.get("type", "")).lower():
        kept = existing if existing and "systemassigned" in str(existing.get("type", "")).lower() else {}
        out["principalId"] = kept.get("principalId") or str(uuid.uuid4())
        out["tenantId"] = kept.get("tenantId") or SANDBOX_TENANT
    else:
        out.pop("principalId", None)
        out.pop("tenantId", None)
    return out


def resource_type(provider_segments: list[str]) -> str:
    """`Microsoft.Web/sites/slots` from [Microsoft.Web, sites, app, slots, staging]."""
    ns, rest = provider_segments[0], provider_segments[1:]
    return "/".join([ns, *rest[0::2]])


# what a resource reads while its operation runs: (first state, state after the first poll)
STATES = {"create": ("Accepted", "Creating"), "update": ("Accepted", "Updating"), "delete": ("Deleting", "Deleting")}


@dataclass
class Operation:
    """A long-running operation the SDK poller asks about; `kind` is create, update or delete."""

    op_id: str
    resource_id: str
    polls_left: int
    status: str = "Succeeded"
    kind: str = "create"
    polled: int = 0
    started: str = ""
    ended: str = ""


# The sandbox's caller holds the built-in Owner role ("Azure built-in roles": Actions `*`, nothing subtracted)
OWNER: dict[str, Any] = {"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}


@dataclass
class ArmStore:
    """Thread-safe resource groups, resources and operations of one fake ARM."""

    lro_polls: int = 2
    retry_after: int = 0  # the Retry-After seconds on long-running answers (ARM says 10-60; the sandbox 0)
    list_page_size: int = 1000  # resources per page of a `.../resources` listing (then a nextLink)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)
    running: dict[str, str] = field(default_factory=dict)  # canonical resource id -> its running operation
    # what `GET .../providers/Microsoft.Authorization/permissions` answers for the caller (authorization.py):
    # its permission entries, or None to refuse the call (403); set through `/_admin/permissions`
    caller_permissions: list[dict[str, Any]] | None = field(default_factory=lambda: [copy.deepcopy(OWNER)])
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def reset(self) -> None:
        with self.lock:
            self.caller_permissions = [copy.deepcopy(OWNER)]
            self.groups.clear()
            self.resources.clear()
            self.operations.clear()
            self.running.clear()

    # ---- resource groups -------------------------------------------------------------------------
    def put_group(self, sub: str, name: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create or replace a resource group; returns (group, created)."""
        rid = f"/subscriptions/{sub}/resourceGroups/{name}"
        with self.lock:
            existing = self.groups.get(canonical(rid))
            group = {
                "id": existing["id"] if existing else rid,
                "name": existing["name"] if existing else name,
                "type": RG_TYPE,
                "location": body.get("location") or (existing or {}).get("location") or "eastus",
                "tags": body.get("tags") or {},
                "properties": {"provisioningState": "Succeeded"},
            }
            if body.get("managedBy"):
                group["managedBy"] = body["managedBy"]
            self.groups[canonical(rid)] = group
            return copy.deepcopy(group), existing is None

    def get_group(self, sub: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            group = self.groups.get(canonical(f"/subscriptions/{sub}/resourceGroups/{name}"))
            return copy.deepcopy(group) if group else None

    def patch_group(self, sub: str, name: str, body: dict[str, Any]) -> dict[str, Any] | None:
        with self.lock:
            group = self.groups.get(canonical(f"/subscriptions/{sub}/resourceGroups/{name}"))
            if group is None:
                return None
            if "tags" in body:
                group["tags"] = body["tags"] or {}
            return copy.deepcopy(group)

    def delete_group(self, sub: str, name: str) -> bool:
        """Delete a group and every resource in it; False when it did not exist."""
        key = canonical(f"/subscriptions/{sub}/resourceGroups/{name}")
        with self.lock:
            if self.groups.pop(key, None) is None:
                return False
            for rid in [r for r in self.resources if r.startswith(key + "/")]:
                del self.resources[rid]
            return True

    def list_groups(self, sub: str) -> list[dict[str, Any]]:
        prefix = canonical(f"/subscriptions/{sub}/")
        with self.lock:
            return [copy.deepcopy(g) for k, g in self.groups.items() if k.startswith(prefix)]

    # ---- generic resources -----------------------------------------------------------------------
    def put_resource(self, rid: str, rtype: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create or replace the resource at `rid`; returns (resource, created)."""
        with self.lock:
            self.running.pop(canonical(rid), None)  # a PUT supersedes an operation still running on the resource
            existing = self.resources.get(canonical(rid))
            resource: dict[str, Any] = {k: v for k, v in body.items() if k not in _RESERVED}
            resource["id"] = existing["id"] if existing else rid
            resource["name"] = rid.rstrip("/").rsplit("/", 1)[1]
            resource["type"] = rtype
            props = dict(body.get("properties") or {})
            props["provisioningState"] = "Succeeded"
            resource["properties"] = props
            resource.setdefault("tags", {})
            if isinstance(body.get("identity"), dict):
                resource["identity"] = _identity(body["identity"], (existing or {}).get("identity"))
            if existing and "location" not in body and "location" in existing:
                resource["location"] = existing["location"]
            self.resources[canonical(rid)] = resource
            return copy.deepcopy(resource), existing is None

    def get_resource(self, rid: str, *, poll: bool = False) -> dict[str, Any] | None:
        """The resource at `rid`; `poll=True` (a client's GET) counts as one poll of its running operation."""
        with self.lock:
            if poll:
                running = self.running.get(canonical(rid))
                if running is not None:
                    self.poll_operation(running)
            res = self.resources.get(canonical(rid))
            return copy.deepcopy(res) if res else None

    def patch_resource(self, rid: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Merge `tags` (replace), `properties` (shallow merge) and other top-level keys."""
        with self.lock:
            res = self.resources.get(canonical(rid))
            if res is None:
                return None
            for key, value in body.items():
                if key == "properties" and isinstance(value, dict):
                    res["properties"] = {
                        **res.get("properties", {}),
                        **value,
                        "provisioningState": "Succeeded",
                    }
                elif key not in _RESERVED:
                    res[key] = value
            return copy.deepcopy(res)

    def delete_resource(self, rid: str) -> bool:
        """Delete a resource and its children; False when it did not exist."""
        key = canonical(rid)
        with self.lock:
            if self.resources.pop(key, None) is None:
                return False
            for child in [r for r in self.resources if r.startswith(key + "/")]:
                del self.resources[child]
            return True

    def list_resources(self, prefix: str, rtype: str | None = None) -> list[dict[str, Any]]:
        """Resources whose id starts with `prefix/`, optionally only those of type `rtype`."""
        key = canonical(prefix) + "/"
        with self.lock:
            out = []
            for rid, res in self.resources.items():
                if not rid.startswith(key):
                    continue
                if rtype is not None and res["type"].lower() != rtype.lower():
                    continue
                out.append(copy.deepcopy(res))
            return sorted(out, key=lambda r: r["id"].lower())

    # ---- long-running operations -----------------------------------------------------------------
    def new_operation(self, resource_id: str, kind: str = "create", polls: int | None = None) -> Operation:
        """Start an operation on `resource_id` (`polls`: default `lro_polls`): its provisioningState reads
        Accepted (Deleting for a delete)."""
        count = self.lro_polls if polls is None else polls
        op = Operation(uuid.uuid4().hex, resource_id, count, "InProgress", kind, started=_now())
        with self.lock:
            self.operations[op.op_id] = op
            self.running[canonical(resource_id)] = op.op_id
            self._set_state(resource_id, STATES[kind][0])
        return op

    def poll_operation(self, op_id: str) -> Operation | None:
        """One poll: InProgress (the resource Creating/Updating) while polls are left, then Succeeded."""
        with self.lock:
            op = self.operations.get(op_id)
            if op is None:
                return None
            if op.status != "InProgress":
                return copy.copy(op)
            op.polled += 1
            if op.polls_left > 0:
                op.polls_left -= 1
                self._set_state(op.resource_id, STATES[op.kind][1])
                return copy.copy(op)
            op.status, op.ended = "Succeeded", _now()
            if self.running.get(canonical(op.resource_id)) != op.op_id:
                return copy.copy(op)  # a later PUT or DELETE of the resource took over: its outcome stands
            del self.running[canonical(op.resource_id)]
            if op.kind == "delete":
                self._remove(op.resource_id)
            else:
                self._set_state(op.resource_id, "Succeeded")
            return copy.copy(op)

    def _set_state(self, rid: str, state: str) -> None:
        key = canonical(rid)
        target = self.resources.get(key) or self.groups.get(key)
        if target is not None:
            target.setdefault("properties", {})["provisioningState"] = state

    def _remove(self, rid: str) -> None:
        key = canonical(rid)
        if key in self.groups:
            del self.groups[key]
        self.resources.pop(key, None)
        for child in [r for r in self.resources if r.startswith(key + "/")]:
            del self.resources[child]
