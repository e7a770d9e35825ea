"""Polling for a condition in tests (imported by name: `from wait_support import wait_for`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(pred: Callable[[], Any], timeout: float = 10.0) -> None:
    """Return once `pred()` is truthy (checked every 50 ms); AssertionError after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")
