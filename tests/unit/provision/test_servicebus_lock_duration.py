"""Service Bus lock durations come from the playbook, for queues and topic subscriptions alike, and only
values the service accepts (ISO-8601, 5 s to 5 min) pass validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import lock_duration_seconds
from multicloud_ctl.operations.provision.kinds.azure_servicebus_queue import AzureServiceBusQueue
from multicloud_ctl.operations.provision.kinds.azure_servicebus_subscription import AzureServiceBusSubscription

REPO = Path(__file__).resolve().parents[3]


def bodies(kind: Any, **kinds: dict[str, Any]) -> list[dict[str, Any]]:
    env = load_environment("local", REPO / "config")
    spec = ProvisionSpec.model_validate({"kinds": kinds})
    return [a.body for a in kind.arm(DesiredContext(env=env, spec=spec, features=spec.features_for("local")))]


def test_queues_and_subscriptions_are_sent_the_playbook_lock_duration() -> None:
    queues = bodies(AzureServiceBusQueue(), azure_servicebus_queue={"lock_duration": "PT2M"})
    subs = bodies(AzureServiceBusSubscription(), azure_servicebus_subscription={"lock_duration": "PT45S"})
    assert queues and {b["properties"]["lockDuration"] for b in queues} == {"PT2M"}
    assert subs and {b["properties"]["lockDuration"] for b in subs} == {"PT45S"}


@pytest.mark.parametrize("value", ["PT10M", "PT2S", "30s", "P1D", "PT"])
def test_lock_durations_the_service_refuses_fail_validation(value: str) -> None:
    with pytest.raises(ValueError, match=r"lock duration|ISO-8601"):  # pydantic.ValidationError, at load time
        bodies(AzureServiceBusSubscription(), azure_servicebus_subscription={"lock_duration": value})


def test_lock_durations_read_as_seconds() -> None:
    assert [lock_duration_seconds(v) for v in ("PT5S", "PT1M", "PT1M30S", "PT5M")] == [5, 60, 90, 300]
