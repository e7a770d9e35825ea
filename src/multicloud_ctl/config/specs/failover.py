"""Specs of the Failover and Drill playbook kinds (filled in by the failover issue)."""

from __future__ import annotations

from multicloud_ctl.config.specs.base import Spec


class FailoverSpec(Spec):
    """Placeholder: the failover issue defines the fields."""


class DrillSpec(Spec):
    """Placeholder: the failover issue defines the fields."""
