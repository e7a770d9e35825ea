"""Service Bus consumers as plain callables (no azure.functions import): see `functions.consumers`."""

from __future__ import annotations

from multicloud_ctl.functions.consumers import consume, handle_message

__all__ = ["consume", "handle_message"]
