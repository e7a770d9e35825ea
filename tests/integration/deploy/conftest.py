"""Fixtures for deploy tests: a Deploy playbook writer and helpers to read the Lambda state back from moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def playbook(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`playbook(**spec)` writes a Deploy playbook (fast bake, no vendoring) and returns its path."""

    def write(**spec: Any) -> Path:
        body: dict[str, Any] = {
            "strategy": "all-at-once",
            "vendor": False,
            "bake": {"seconds": 0, "poll_seconds": 0.2},
        }
        for key, value in spec.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
        path = tmp_path / f"deploy-{len(list(tmp_path.glob('deploy-*.yaml')))}.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "mcctl/v1",
                    "kind": "Deploy",
                    "metadata": {"name": "deploy-test"},
                    "spec": body,
                }
            )
        )
        return path

    return write


@pytest.fixture
def boto(aws: str) -> Any:
    """`boto("lambda")`: a plain boto3 client on moto, to check what deploy left behind."""
    import boto3

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=aws, region_name="us-east-1")

    return make
