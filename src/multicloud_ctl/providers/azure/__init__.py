"""Azure provider clients: credential (loopback-only http), client factory, dry-run guard, error mapping.

This package's `__init__` imports nothing heavy: `mcctl --help` must not load the Azure SDKs.
"""

from __future__ import annotations
