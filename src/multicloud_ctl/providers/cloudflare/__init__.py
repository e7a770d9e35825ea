"""Cloudflare provider client (official SDK, base_url from config, dry-run guard, errors mapped).

This package's `__init__` imports nothing heavy: `mcctl --help` must not load the cloudflare SDK.
"""

from __future__ import annotations
