"""Spec of the Sync playbook kind (filled in by its verb's issue)."""

from __future__ import annotations

from multicloud_ctl.config.specs.base import Spec


class SyncSpec(Spec):
    """Placeholder: the verb's issue defines the fields."""
