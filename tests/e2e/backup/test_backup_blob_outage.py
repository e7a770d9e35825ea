"""Azure Blob answering 500 during `backup daily`: retried within the budget, else one line, exit 1, and a resume.

A proxy in front of Azurite (`tests/blob_fault_support.py`) answers 500 InternalError to every request for
a window that opens mid-run. The `local` environment's retry budget per request is ~2 s (the storage SDK's
LinearRetry: 2 retries 1 s apart; List Blobs and Put Blob on urllib3: 4 retries, backoff 0.2/0.4/0.8 s):

- a window shorter than that is absorbed: the run succeeds and copies everything;
- a longer one fails the run: exit 1 and one `error:` line, no manifest committed; once the window has
  closed the rerun copies only what is missing, and `backup verify` is clean.

The "minute" is compressed to `MCCTL_TEST_BLOB_OUTAGE_SECONDS` (default 4 s; any value above the budget takes
the same path, 60 is the minute itself). In the cloud a minute also outlasts the budget (ExponentialRetry,
5 retries ~2+4+6+10+18 s = ~40 s; urllib3 0.8 s backoff: ~11 s), so a real one-minute outage fails the run
the same way and the next run resumes it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blob_fault_support import BlobOutage

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = float(os.environ.get("MCCTL_TEST_BLOB_OUTAGE_SECONDS", "4"))
WITHIN_BUDGET = 0.5  # seconds of 500s a run absorbs (the budget is ~1.4-2 s per request)


@pytest.fixture
def outage(azurite: Any) -> Iterator[BlobOutage]:
    proxy = BlobOutage(f"http://127.0.0.1:{azurite.port}").start()
    yield proxy
    proxy.stop()


def _through(proxy: BlobOutage, setup: dict[str, Any], tmp_path: Path) -> list[str]:
    """CLI options whose `local` environment reaches Blob through the proxy (S3 and the lease as before)."""
    import yaml

    env = setup["env"].with_local_ports(azurite_blob=proxy.port)
    directory = tmp_path / "config-through-proxy"
    directory.mkdir()
    (directory / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    return ["--config-dir", str(directory), "--output", "json"]


def _seed(setup: dict[str, Any], total: int) -> None:
    s3 = setup["runtime"].aws.client("s3")
    for i in range(total):
        s3.put_object(Bucket="src-a", Key=f"d{i % 4}/obj-{i:04d}", Body=os.urandom(512))


def _daily(cli: Any, base: list[str], setup: dict[str, Any]) -> Any:
    return cli(*base, "backup", "daily", "--yes", "--playbook", str(setup["playbook"]))


def _store(setup: dict[str, Any]) -> Any:
    import yaml

    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.operations.backup.store import open_store

    spec = BackupSpec.model_validate(yaml.safe_load(setup["playbook"].read_text())["spec"])
    return open_store(setup["runtime"], spec)


def test_an_outage_within_the_retry_budget_is_absorbed(
    cli: Any, backup_setup: dict[str, Any], outage: BlobOutage, tmp_path: Path
) -> None:
    from multicloud_ctl.operations.backup.manifest import list_manifests

    total = 80
    _seed(backup_setup, total)
    base = _through(outage, backup_setup, tmp_path)
    outage.outage(WITHIN_BUDGET, after=30)  # opens mid-run: after the listings and some copies
    r = _daily(cli, base, backup_setup)
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["copied"], summary["failed"], summary["manifest"]) == (total, 0, True)
    assert outage.failed > 0 and outage.over, "the window never opened: the test proved nothing"
    store = _store(backup_setup)
    assert [m.objects for m in list_manifests(store.blobs, store.layout)] == [total]
    verify = cli(*base, "backup", "verify", "--playbook", str(backup_setup["playbook"]))
    assert verify.exit_code == 0, verify.stderr
    assert json.loads(verify.stdout)["checked"] == total


def test_a_longer_outage_fails_in_one_line_and_the_rerun_resumes(
    cli: Any, backup_setup: dict[str, Any], outage: BlobOutage, tmp_path: Path
) -> None:
    from multicloud_ctl.operations.backup.manifest import list_manifests

    total = 200
    _seed(backup_setup, total)
    base = _through(outage, backup_setup, tmp_path)
    outage.outage(OUTAGE_SECONDS, after=60)
    started = time.monotonic()
    r = _daily(cli, base, backup_setup)
    took = time.monotonic() - started

    assert r.exit_code == 1, (r.stdout, r.stderr)
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "HTTP 500" in errors[0] or "failed; manifest" in errors[0] or "object(s) failed" in errors[0], errors
    assert outage.failed > 0
    store = _store(backup_setup)
    assert list_manifests(store.blobs, store.layout) == []  # nothing committed: no half backup
    landed = sum(1 for _ in store.blobs.list("daily/src-a/", metadata=False))
    assert landed < total

    while not outage.over:  # the outage ends
        time.sleep(0.1)
    rerun = _daily(cli, base, backup_setup)
    assert rerun.exit_code == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert (summary["copied"], summary["skipped"], summary["failed"]) == (total - landed, landed, 0)
    assert landed > 0, "the outage opened before any copy landed: nothing was resumed"
    assert [m.objects for m in list_manifests(store.blobs, store.layout)] == [total]
    verify = cli(*base, "backup", "verify", "--playbook", str(backup_setup["playbook"]))
    assert verify.exit_code == 0, verify.stderr
    assert json.loads(verify.stdout)["checked"] == total
    print(f"outage of {OUTAGE_SECONDS:g} s: failed after {took:.1f} s, {landed}/{total} landed: {errors[0]}")
