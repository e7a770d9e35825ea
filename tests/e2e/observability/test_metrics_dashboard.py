"""`mcctl metrics` and `mcctl dashboard` over CloudWatch (moto) and Azure Monitor (fake ARM) after an order;
the page is rendered in headless Chromium with a screenshot."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from obs_support import Shop, place_order

pytestmark = pytest.mark.e2e
PLAYBOOK = str(Path(__file__).resolve().parents[3] / "playbooks" / "observability.yaml")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def shipped(shop: Shop, moto_server: Any, cli: Any) -> Shop:
    import boto3

    def boto(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=moto_server.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    place_order(shop, boto)
    import time

    time.sleep(1.5)  # the span processors export every 200 ms
    res = cli("--config-dir", str(shop.config_dir), "--output", "json", "--yes", "logs", "ship", "--playbook", PLAYBOOK)
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["metric_points"] > 0
    return shop


@pytest.fixture(scope="module")
def cli() -> Any:  # module-scoped twin of the root `cli` fixture
    from typer.testing import CliRunner

    from multicloud_ctl.cli.app import app

    def run(*args: str) -> Any:
        return CliRunner().invoke(app, list(args), catch_exceptions=False)

    return run


def test_metrics_table_has_both_clouds(shipped: Shop, cli: Any) -> None:
    res = cli("--config-dir", str(shipped.config_dir), "--output", "json", "metrics", "--since", "1h")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    by = {(f["cloud"], f["service"]): f for f in data["functions"]}
    assert by[("aws", "order-service")]["invocations"] >= 2  # POST /orders + the payments consumer (+ polls)
    assert by[("azure", "payment-processor")]["invocations"] >= 1
    assert by[("azure", "payment-processor")]["p99_ms"] >= by[("azure", "payment-processor")]["p50_ms"] > 0
    assert by[("aws", "order-service")]["avg_ms"] > 0
    gauges = {g["gauge"]: g for g in data["gauges"]}
    assert gauges["queue depth orders"]["value"] == 0
    only = json.loads(
        cli(
            "--config-dir", str(shipped.config_dir), "--output", "json", "metrics", "--service", "payment-processor"
        ).stdout
    )
    assert {f["service"] for f in only["functions"]} == {"payment-processor"}


def test_dashboard_renders_in_headless_chromium(shipped: Shop, cli: Any, tmp_path: Path) -> None:
    page = tmp_path / "dashboard.html"
    res = cli("--config-dir", str(shipped.config_dir), "dashboard", "--out", str(page))
    assert res.exit_code == 0, res.stderr
    text = page.read_text()
    assert "<script" not in text and "http" not in text.split("<body>")[1].replace("http://127.0.0.1", "")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium) and could not be installed here")
    profile = tmp_path / "chromium-profile"
    shot = tmp_path / "dashboard.png"
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}"]
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], check=True, timeout=120, capture_output=True, text=True
    ).stdout
    assert 'id="invocations"' in dom and 'data-cloud="azure"' in dom and 'data-cloud="aws"' in dom
    assert dom.count('class="series"') >= 2 and "payment-processor" in dom
