"""Helpers shared by the backup integration and e2e tests (seed buckets, read them back, write playbooks)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from multicloud_ctl.config.specs.backup import BackupSpec


def make_runtime(env: Any, *, dry_run: bool = False) -> Any:
    from multicloud_ctl.engine.runtime import Runtime

    return Runtime(environment=env, dry_run=dry_run)


def s3_client(runtime: Any) -> Any:
    return runtime.aws.client("s3")


def seed(runtime: Any, bucket: str, objects: dict[str, bytes]) -> None:
    s3 = s3_client(runtime)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    for key, data in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)


def bucket_contents(runtime: Any, bucket: str) -> dict[str, bytes]:
    s3 = s3_client(runtime)
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            out[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return out


def write_playbook(path: Path, spec: BackupSpec, name: str = "backup-test") -> Path:
    import yaml

    data = {
        "apiVersion": "mcctl/v1",
        "kind": "Backup",
        "metadata": {"name": name},
        "spec": spec.model_dump(mode="json", exclude_none=True),
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
