"""`local/arm`: the sandbox's fake Azure Resource Manager (generic resource store + action plugins)."""

from __future__ import annotations
