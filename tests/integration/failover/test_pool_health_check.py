"""`mcctl health` check kind `cloudflare_pools`: pool health as the edge's monitors report it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_pool_health_check_follows_the_monitors(
    cli: Any, fo_config: Path, lb: dict[str, str], origins: Any, edge: Any, tmp_path: Path
) -> None:
    book = tmp_path / "health.yaml"
    book.write_text(
        "apiVersion: mcctl/v1\nkind: Health\nmetadata: {name: h}\nspec:\n  checks: [{kind: cloudflare_pools}]\n"
    )

    def check() -> tuple[int, dict[str, Any]]:
        res = cli("--config-dir", str(fo_config), "-o", "json", "health", "--playbook", str(book))
        return res.exit_code, json.loads(res.stdout)["checks"][0]

    code, doc = check()
    assert code == 0 and doc["status"] == "ok" and doc["message"] == "aws healthy, azure healthy"
    origins["aws"].stop()
    end = time.monotonic() + 10
    while edge[0].server.store.pool_healthy(lb["aws"]) and time.monotonic() < end:
        time.sleep(0.05)
    code, doc = check()
    assert code == 3 and doc["status"] == "warning" and "aws unhealthy" in doc["message"]
    origins["azure"].stop()
    while edge[0].server.store.pool_healthy(lb["azure"]) and time.monotonic() < end:
        time.sleep(0.05)
    assert check()[1]["status"] == "critical"
