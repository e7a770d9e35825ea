"""Drift: the differences between live state and the config, minus the drift the playbook allows.

`allow_drift` entries are globs over `KIND/NAME` (the whole resource) or `KIND/NAME:attr.path` (one
attribute). The failover verb's intended pool order (`<state_dir>/failover/intended.json`) is already
part of the desired state, so a failed-over load balancer is not drift.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from multicloud_ctl.operations.provision.model import ResourcePlan
from multicloud_ctl.operations.provision.planner import matches


@dataclass(frozen=True)
class DriftItem:
    address: str
    path: str
    live: Any
    desired: Any
    allowed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "path": self.path,
            "live": self.live,
            "desired": self.desired,
            "allowed": self.allowed,
        }


def allowed(address: str, path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if ":" in pattern:
            where, _, attr = pattern.partition(":")
            if matches(address, [where]) and (
                fnmatch.fnmatchcase(path, attr) or path.startswith(attr + ".") or path.startswith(attr + "[")
            ):
                return True
        elif matches(address, [pattern]):
            return True
    return False


def drift_items(plans: list[ResourcePlan], allow: list[str]) -> list[DriftItem]:
    """One item per differing attribute (or per missing resource)."""
    out = []
    for rp in plans:
        if rp.action == "create":
            out.append(
                DriftItem(rp.address, "(resource)", "missing", "present", allowed(rp.address, "(resource)", allow))
            )
        for change in rp.changes:
            out.append(
                DriftItem(
                    rp.address,
                    change.path,
                    change.live,
                    change.desired,
                    allowed(rp.address, change.path, allow),
                )
            )
    return out
