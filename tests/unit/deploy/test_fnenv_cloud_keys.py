"""In a cloud environment the functions read the service API keys from the stores that rotation writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.operations.deploy.fnenv import SANDBOX_SERVICE_KEY, function_env

REPO = Path(__file__).resolve().parents[3]


def test_cloud_functions_reference_the_rotated_key_stores(tmp_path: Path) -> None:
    shutil.copy(REPO / "config" / "staging.example.yaml", tmp_path / "staging.yaml")
    env = load_environment("staging", tmp_path)
    assert function_env(env, "aws", None)["MCCTL_FN_SERVICE_API_KEYS"] == (
        "aws-secretsmanager:mcctl/staging/service-api-keys"
    )
    azure = function_env(env, "azure", None)["MCCTL_FN_SERVICE_API_KEYS"]
    assert azure == "azure-keyvault:https://mcctl-staging-kv.vault.azure.net/secrets/service-api-keys"


def test_sandbox_functions_keep_the_published_sandbox_key() -> None:
    env = load_environment("local", REPO / "config")
    assert function_env(env, "aws", None)["MCCTL_FN_SERVICE_API_KEYS"] == SANDBOX_SERVICE_KEY
