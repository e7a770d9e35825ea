"""Spec of the Provision playbook kind (filled in by its verb's issue)."""

from __future__ import annotations

from multicloud_ctl.config.specs.base import Spec


class ProvisionSpec(Spec):
    """Placeholder: the verb's issue defines the fields."""
