"""Parsing of Lambda provisioned concurrency responses (moto does not implement the API; no network here)."""

from __future__ import annotations

from multicloud_ctl.providers.aws.lambda_concurrency import ProvisionedConcurrency, _provisioned


def test_provisioned_config_is_parsed() -> None:
    got = {
        "RequestedProvisionedConcurrentExecutions": 10,
        "AvailableProvisionedConcurrentExecutions": 4,
        "AllocatedProvisionedConcurrentExecutions": 4,
        "Status": "IN_PROGRESS",
    }
    assert _provisioned("fn", "live", got) == ProvisionedConcurrency("fn", "live", 10, 4, "IN_PROGRESS")


def test_provisioned_config_without_availability() -> None:
    got = {"RequestedProvisionedConcurrentExecutions": 3, "Status": "READY"}
    assert _provisioned("fn", "live", got) == ProvisionedConcurrency("fn", "live", 3, None, "READY")
