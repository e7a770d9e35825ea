"""`mcctl provision plan|apply|drift|destroy` and `mcctl sql` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from multicloud_ctl.errors import ExitCode

pytestmark = pytest.mark.e2e


def s3(local_env: Any) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=local_env.endpoints().aws,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_provision_lifecycle(cli: Any, sandbox_dir: Path, small_playbook: Path, local_env: Any) -> None:
    base = ("--config-dir", str(sandbox_dir))
    pb = ("--playbook", str(small_playbook))

    res = cli(*base, "-o", "json", "provision", "plan", *pb)
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert set(plan["counts"]) == {"create"} and plan["counts"]["create"] == 15

    res = cli(*base, "provision", "apply", *pb, "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert "create dynamodb_table/Products@us-east-1" in res.stdout
    assert s3(local_env).list_buckets()["Buckets"] == []  # dry run made nothing

    res = cli(*base, "provision", "apply", *pb)  # not a TTY and no --yes: refused
    assert res.exit_code == ExitCode.REFUSED and "--yes" in res.stderr

    res = cli(*base, "--yes", "provision", "apply", *pb)
    assert res.exit_code == 0, res.stderr
    res = cli(*base, "-o", "json", "provision", "plan", *pb)
    assert json.loads(res.stdout)["counts"] == {"noop": 15}
    assert cli(*base, "provision", "drift", *pb).exit_code == 0

    s3(local_env).delete_bucket_encryption(Bucket="static-assets")
    res = cli(*base, "provision", "drift", *pb)
    assert res.exit_code == ExitCode.DEGRADED
    assert "s3_bucket/static-assets" in res.stdout and "encryption" in res.stdout
    res = cli(*base, "-o", "json", "provision", "drift", *pb)
    items = json.loads(res.stdout)["items"]
    assert [(i["address"], i["path"], i["live"], i["desired"]) for i in items] == [
        ("s3_bucket/static-assets", "encryption", None, "AES256")
    ]

    res = cli(*base, "--yes", "provision", "apply", *pb, "--only", "s3_bucket/static-assets")
    assert res.exit_code == 0, res.stderr
    assert cli(*base, "provision", "drift", *pb).exit_code == 0

    res = cli(*base, "provision", "destroy", *pb)
    assert res.exit_code == ExitCode.REFUSED
    res = cli(*base, "--yes", "provision", "destroy", *pb)
    assert res.exit_code == 0, res.stderr
    res = cli(*base, "-o", "json", "provision", "plan", *pb)
    counts = json.loads(res.stdout)["counts"]
    assert counts == {"create": 14, "noop": 1}  # the SQL schema is never dropped


def test_only_with_unknown_resource_is_a_usage_error(cli: Any, sandbox_dir: Path, small_playbook: Path) -> None:
    res = cli(
        "--config-dir",
        str(sandbox_dir),
        "provision",
        "plan",
        "--playbook",
        str(small_playbook),
        "--only",
        "nosuch_kind/x",
    )
    assert res.exit_code == ExitCode.USAGE
    assert "matches no resource" in res.stderr


def test_sql_migrate(cli: Any, sandbox_dir: Path) -> None:
    base = ("--config-dir", str(sandbox_dir))
    res = cli(*base, "-o", "json", "sql", "migrate", "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["pending"] == ["0001", "0002", "0003"]
    res = cli(*base, "--yes", "-o", "json", "sql", "migrate")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["applied"] == ["0001", "0002", "0003"]
    res = cli(*base, "-o", "json", "sql", "current")
    assert json.loads(res.stdout) == {"current": "0003", "head": "0003", "up_to_date": True}
    assert json.loads(cli(*base, "--yes", "-o", "json", "sql", "migrate").stdout)["applied"] == []


@pytest.mark.slow
def test_demo_steps_provision_the_whole_sandbox_then_find_no_drift(cli: Any, sandbox_dir: Path) -> None:
    from multicloud_ctl.operations.provision.sandbox import STEPS

    class Ctx:  # the part of local.demo.DemoContext the steps use, over the in-process CLI
        def mcctl_json(self, *args: str, ok_codes: tuple[int, ...] = (0,), timeout: float = 0) -> Any:
            res = cli("--config-dir", str(sandbox_dir), "--output", "json", *args)
            assert res.exit_code in ok_codes, res.stdout + res.stderr
            return json.loads(res.stdout)

    (apply_name, apply_step), (drift_name, drift_step) = STEPS
    assert (apply_name, drift_name) == ("provision apply", "provision drift")
    summary = apply_step(Ctx())
    assert "change(s) applied" in summary and int(summary.split()[0]) > 90
    assert drift_step(Ctx()).startswith("no drift")
    assert apply_step(Ctx()).startswith("already converged")


def test_an_arm_write_throttle_that_never_lifts_is_one_error_line_with_a_hint(
    cli: Any, sandbox_dir: Path, small_playbook: Path, servers: Any
) -> None:
    """ARM answers every write 429 (Retry-After 1): the SDK waits and retries, then the run fails with one
    error line and a hint, no traceback."""
    from multicloud_ctl.local.arm.throttle import WriteThrottle

    arm = servers[0]
    arm.server.throttle = WriteThrottle(capacity=0, refill_per_s=0.0)
    try:
        res = cli("--config-dir", str(sandbox_dir), "--yes", "provision", "apply", "--playbook", str(small_playbook))
    finally:
        arm.server.throttle = None
    assert res.exit_code == ExitCode.FAILED, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.count("error:") == 1
    assert "throttled (HTTP 429) after retries" in res.stderr
    assert "throttles writes per subscription" in res.stderr
    throttled = [e for e in arm.server.conformance.entries() if e["status"] == 429]
    assert len(throttled) >= 2  # the first answer and at least one retry after Retry-After
