"""SIGKILL while the manifest is being written: no half manifest is visible, the rerun resumes, verify is clean.

The daily pipeline stages the manifest's blocks while it copies (Put Block per block) and commits them with
one Put Block List at the end. With tiny manifest blocks the write spans the whole run, so the test waits
until the manifest blob has uncommitted blocks on Azurite, kills the process, and checks that nothing lists
it as a backup.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]


def _container(setup: dict[str, Any]) -> Any:
    from multicloud_ctl.providers.azure.blob import backup_container

    return backup_container(setup["runtime"], setup["container"])


def _staged_manifests(setup: dict[str, Any]) -> dict[str, int]:
    """Manifest blobs with uncommitted blocks -> how many (List Blobs include=uncommittedblobs)."""
    from azure.core.exceptions import ResourceNotFoundError

    client = _container(setup).container
    found = {}
    try:
        for blob in client.list_blobs(name_starts_with="manifests/", include=["uncommittedblobs"]):
            _, uncommitted = client.get_blob_client(blob.name).get_block_list("uncommitted")
            if uncommitted:
                found[blob.name] = len(uncommitted)
    except ResourceNotFoundError:  # the run has not created the container yet
        return {}
    return found


@pytest.mark.slow
def test_sigkill_during_the_manifest_write_leaves_no_manifest_and_the_rerun_resumes(
    cli: Any, backup_setup: dict[str, Any]
) -> None:
    from multicloud_ctl.config.specs.backup import BackupSpec
    from multicloud_ctl.operations.backup.manifest import list_manifests
    from multicloud_ctl.operations.backup.store import open_store

    total = 400
    s3 = backup_setup["runtime"].aws.client("s3")
    for i in range(total):
        s3.put_object(Bucket="src-a", Key=f"d{i % 4}/obj-{i:04d}", Body=os.urandom(1024))
    playbook = backup_setup["playbook"]
    data = yaml.safe_load(playbook.read_text())
    data["spec"]["manifest_block_size"] = 1024  # a block every few entries: the write spans the run
    playbook.write_text(yaml.safe_dump(data))
    cmd = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(backup_setup["config_dir"])]
    cmd += ["backup", "daily", "--yes", "--playbook", str(playbook), "--bwlimit", "64K"]  # ~6 s of copying
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while sum(_staged_manifests(backup_setup).values()) < 3:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no manifest block was staged in 120 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(1.0)  # a request that left the process before the kill may still land
    spec = BackupSpec.model_validate(data["spec"])
    store = open_store(backup_setup["runtime"], spec)
    assert _staged_manifests(backup_setup), "the kill did not happen during the manifest write"
    assert list_manifests(store.blobs, store.layout) == []  # nothing half-written is visible
    base = ["--config-dir", str(backup_setup["config_dir"]), "--output", "json"]
    listed = cli(*base, "backup", "list", "--playbook", str(playbook))
    assert listed.exit_code == 0 and json.loads(listed.stdout) == [], listed.stdout
    done_before = sum(1 for _ in store.blobs.list("daily/src-a/", metadata=False))
    assert 0 < done_before < total

    rerun = cli(
        "--config-dir",
        str(backup_setup["config_dir"]),
        "--output",
        "json",
        "backup",
        "daily",
        "--yes",
        "--playbook",
        str(playbook),
    )
    assert rerun.exit_code == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert (summary["copied"], summary["skipped"], summary["failed"]) == (total - done_before, done_before, 0)
    manifests = list_manifests(store.blobs, store.layout)
    assert [m.id for m in manifests] == [summary["id"]] and manifests[0].objects == total
    verify = cli("--config-dir", str(backup_setup["config_dir"]), "backup", "verify", "--playbook", str(playbook))
    assert verify.exit_code == 0, verify.stderr
