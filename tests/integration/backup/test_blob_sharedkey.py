"""The Shared Key wire path (`providers/azure/sharedkey.py` + `blobwire.py`) against Azurite, and the no-change
pass of `backup daily` without any `azure.*` import.

Azurite checks the Shared Key signature of every request (a wrong key is refused with 403), so a container
created, a blob put, blocks staged and committed and a listing read back on the wire path, then read by the
SDK, prove the signer, the block id encoding and the api-version agree with the service and with the SDK.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from backup_testkit import make_runtime, seed, write_playbook

from multicloud_ctl.config.specs.backup import BackupSpec
from multicloud_ctl.errors import AuthError, DryRunViolation
from multicloud_ctl.providers.azure.blob import backup_container
from multicloud_ctl.providers.azure.sharedkey import SharedKey

pytestmark = pytest.mark.integration
META = {"mcctl_src_etag": "abc", "mcctl_src_size": "5", "mcctlZ": "d"}  # names are C# identifiers
REPO = Path(__file__).resolve().parents[3]


def test_container_blob_and_blocks_round_trip_on_azurite(backup_env: Any, container: str) -> None:
    runtime = make_runtime(backup_env)
    blobs = backup_container(runtime, container)
    assert blobs.key is not None and not blobs.exists()
    assert blobs.ensure() is True and blobs.exists() and blobs.ensure() is False

    blobs.upload("a/one 1.txt", b"hello", META)
    blobs.stage_block("a/two", "b00000000", b"first,")
    blobs.stage_block("a/two", "b00000001", b"second")
    blobs.commit_blocks("a/two", ["b00000000", "b00000001"], {"mcctl_kind": "daily"})

    listed = {b.name: (b.size, b.metadata) for b in blobs.list("a/")}
    assert listed == {"a/one 1.txt": (5, META), "a/two": (12, {"mcctl_kind": "daily"})}
    # read back through the SDK: same bytes, and the block ids decode (the SDK base64-decodes what it reads)
    # to the clear ids, so blocks staged by either path commit together
    sdk = runtime.azure.blob.get_blob_client(container, "a/two")
    assert sdk.download_blob().readall() == b"first,second"
    assert [b.id for b in sdk.get_block_list("committed")[0]] == ["b00000000", "b00000001"]
    assert blobs.guard.mutating == 5  # create, put blob, 2 x put block, put block list


def test_a_wrong_key_is_refused_by_azurite(backup_env: Any, container: str) -> None:
    runtime = make_runtime(backup_env)
    runtime.azure.blob_key = SharedKey("devstoreaccount1", base64.b64encode(b"not the key").decode())
    blobs = backup_container(runtime, container)
    with pytest.raises(AuthError, match="HTTP 403"):
        blobs.ensure()


def test_dry_run_refuses_the_wire_create_before_sending(backup_env: Any, container: str) -> None:
    blobs = backup_container(make_runtime(backup_env, dry_run=True), container)
    with pytest.raises(DryRunViolation):
        blobs.ensure()
    assert blobs.guard.blocked == 1 and not blobs.exists()


AZURE_MODULES = """
import atexit, json, sys
SDKS = ("azure", "boto3", "botocore")
atexit.register(lambda: print("AZURE=" + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in SDKS))))
sys.argv = ["mcctl", *sys.argv[1:]]
from multicloud_ctl.cli.entry import main
main()
"""


def test_the_no_change_pass_imports_no_azure_or_aws_sdk_module(
    backup_env: Any, container: str, config_dir: Path, tmp_path: Path
) -> None:
    runtime = make_runtime(backup_env)
    seed(runtime, "nochange-src", {f"k/{i}": b"x" * i for i in range(5)})
    spec = BackupSpec(buckets=["nochange-src"], container=container, parallelism=2)
    playbook = write_playbook(tmp_path / "backup.yaml", spec)
    args = [
        "--config-dir",
        str(config_dir),
        "--output",
        "json",
        "backup",
        "daily",
        "--yes",
        "--playbook",
        str(playbook),
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    runs = []
    for _ in range(2):  # a full copy, then the no-change pass
        out = subprocess.run([sys.executable, "-c", AZURE_MODULES, *args], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        body, _, tail = out.stdout.rpartition("AZURE=")
        runs.append((json.loads(body), json.loads(tail)))
    (first, _), (second, modules) = runs
    assert first["copied"] == 5 and second["copied"] == 0 and second["skipped"] == 5 and second["manifest"]
    assert modules == []  # nor boto3/botocore: S3 listed and the lease taken through `sigwire` (static keys)
