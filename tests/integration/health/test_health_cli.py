"""`mcctl health` against real endpoints (stdlib stand-ins), moto (SQS, DynamoDB) and SQLite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.integration


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        code, body = self.server.answer  # type: ignore[attr-defined]
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def endpoint() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.answer = (200, {"status": "ok"})  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def playbook(tmp_path: Path, url: str, checks: str = "") -> Path:
    path = tmp_path / "health.yaml"
    path.write_text(
        f"""apiVersion: mcctl/v1
kind: Health
metadata: {{name: health}}
spec:
  endpoints:
    - name: api
      url: {url}/health
      conditions: ["[STATUS] == 200", "[BODY].status == ok", "[CERTIFICATE_EXPIRATION] > 48h"]
      warn_conditions: ["[RESPONSE_TIME] < 5000"]
      timeout_seconds: 2
  checks:
{checks or "    []"}
  watch: {{failure_threshold: 2, success_threshold: 1}}
""".replace("  checks:\n    []", "  checks: []")
    )
    return path


def test_all_ok_exit_0_table(cli: Any, config_dir: Path, endpoint: Any, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    res = cli("--config-dir", str(config_dir), "health", "--playbook", str(playbook(tmp_path, url)))
    assert res.exit_code == 0, res.stderr
    assert "api" in res.stdout and "HTTP 200" in res.stdout


def test_failing_endpoint_exit_3_json_and_nagios_2(cli: Any, config_dir: Path, endpoint: Any, tmp_path: Path) -> None:
    endpoint.answer = (200, {"status": "degraded"})
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    book = str(playbook(tmp_path, url))
    res = cli("--config-dir", str(config_dir), "health", "--playbook", book, "--format", "json")
    assert res.exit_code == 3
    doc = json.loads(res.stdout)
    assert doc["status"] == "critical" and doc["checks"][0]["message"].startswith("[BODY].status == ok")
    nag = cli("--config-dir", str(config_dir), "health", "--playbook", book, "--format", "nagios")
    assert nag.exit_code == 2
    first = nag.stdout.splitlines()[0]
    assert first.startswith("MCCTL HEALTH CRITICAL - 1 critical") and "'api_ms'=" in first


def test_connection_refused_is_critical(cli: Any, config_dir: Path, tmp_path: Path) -> None:
    from multicloud_ctl.local.processes import free_port

    book = str(playbook(tmp_path, f"http://127.0.0.1:{free_port()}"))
    res = cli("--config-dir", str(config_dir), "-o", "json", "health", "--playbook", book)
    assert res.exit_code == 3
    assert "connect failed" in json.loads(res.stdout)["checks"][0]["message"]


def test_watch_debounces_a_blip(cli: Any, config_dir: Path, endpoint: Any, tmp_path: Path) -> None:
    """failure_threshold 2: a single bad round stays reported ok."""
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    book = str(playbook(tmp_path, url))
    res = cli(
        "--config-dir",
        str(config_dir),
        "health",
        "--playbook",
        book,
        "--watch",
        "0.5",  # the round's deadline too: a healthy local answer comes well within it
        "--count",
        "2",
        "--format",
        "json",
    )
    assert res.exit_code == 0
    assert res.stdout.count('"status": "ok"') >= 2


def test_a_watch_round_never_outlasts_its_interval(cli: Any, config_dir: Path, tmp_path: Path) -> None:
    """An endpoint that accepts and never answers (its check's timeout is 2 s): each round of `--watch 0.5`
    still ends after 0.5 s, reporting it timed out, instead of stalling for the check's own timeout."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        book = str(playbook(tmp_path, f"http://127.0.0.1:{silent.getsockname()[1]}"))
        began = time.monotonic()
        res = cli("--config-dir", str(config_dir), "health", "--playbook", book,
                  "--watch", "0.5", "--count", "2", "--format", "json")  # fmt: skip
        took = time.monotonic() - began
    finally:
        silent.close()
    assert res.exit_code == 3, res.stdout + res.stderr  # a finding: critical
    assert "round's deadline (0.5s)" in res.stdout
    assert took < 3.5  # two rounds of the check's own 2 s timeout would be 4 s


def test_data_plane_checks(cli: Any, config_dir: Path, local_env: Any, endpoint: Any, tmp_path: Path, aws: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=aws, region_name="us-east-1")
    q = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=q, MessageBody=f"m{i}")
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    ddb.create_table(
        TableName="Orders",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    checks = """    - {kind: dead_letter, queues: [orders-dlq], thresholds: {warn: 0, critical: 10}}
    - {kind: dynamodb, name: tables, tables: [Orders], streams: [Orders]}
    - {kind: dynamodb, name: missing, tables: [Nope]}
    - {kind: sql, thresholds: {critical: 5000}}"""
    url = f"http://127.0.0.1:{endpoint.server_address[1]}"
    res = cli(
        "--config-dir",
        str(config_dir),
        "-o",
        "json",
        "health",
        "--playbook",
        str(playbook(tmp_path, url, checks)),
    )
    doc = {c["name"]: c for c in json.loads(res.stdout)["checks"]}
    assert doc["dead-letter"]["status"] == "warning" and doc["dead-letter"]["value"] == 3
    assert doc["tables"]["status"] == "ok" and "stream" in doc["tables"]["message"]
    assert doc["missing"]["status"] == "critical" and "Nope missing" in doc["missing"]["message"]
    assert doc["sql"]["status"] == "ok" and "sqlite" in doc["sql"]["message"]
    assert res.exit_code == 3
    only = cli(
        "--config-dir",
        str(config_dir),
        "health",
        "--playbook",
        str(playbook(tmp_path, url, checks)),
        "--only",
        "sql",
        "--only",
        "api",
    )
    assert only.exit_code == 0, only.stdout


def test_missing_sync_module_is_skipped(local_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the sync module is not installed the check is skipped ("check unavailable"), not failed."""
    import sys

    from multicloud_ctl.config.specs.health import DataCheck
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.health.checks import data_checks
    from multicloud_ctl.operations.health.model import Status
    from multicloud_ctl.operations.health.runner import run_checks

    monkeypatch.setitem(sys.modules, "multicloud_ctl.operations.sync", None)  # import raises ImportError
    monkeypatch.setitem(sys.modules, "multicloud_ctl.operations.backup", None)
    rt = Runtime(local_env)
    report = run_checks(data_checks(rt, [DataCheck(kind="sync_lag"), DataCheck(kind="backup_age")]))
    assert [r.status for r in report.results] == [Status.SKIPPED, Status.SKIPPED]
    assert "check unavailable" in report.results[0].message
    assert report.status is Status.OK


def test_a_check_naming_an_unknown_pool_is_a_config_error_not_a_skip(
    cli: Any, config_dir: Path, tmp_path: Path
) -> None:
    """A typo in `pool:` was reported `skipped` with `health OK`, exit 0: nothing was checked and nobody knew."""
    path = tmp_path / "health.yaml"
    path.write_text(
        """apiVersion: mcctl/v1
kind: Health
metadata: {name: health}
spec:
  endpoints:
    - {name: origins, pool: awss, path: /health}
"""
    )
    res = cli("--config-dir", str(config_dir), "health", "--playbook", str(path))
    assert res.exit_code == 2, res.stdout + res.stderr
    assert res.stderr.count("error:") == 1 and "pool 'awss' is not a pool" in res.stderr
    assert "aws" in res.stderr and "hint:" in res.stderr
