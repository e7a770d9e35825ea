"""The functions reach Service Bus with Microsoft Entra ID: the namespace is provisioned with local (SAS)
auth disabled, so deploy writes the identity-based connection settings and the adapter builds its client
from the fully qualified namespace and a token credential (no connection string in the cloud)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.functions.adapters.bus import BusError, make_bus
from multicloud_ctl.functions.adapters.bus_servicebus import ServiceBusBus
from multicloud_ctl.functions.config import FunctionConfig
from multicloud_ctl.operations.deploy.azure_plan import superseded
from multicloud_ctl.operations.deploy.fnenv import function_env

REPO = Path(__file__).resolve().parents[3]
FQNS = "MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace"
EMULATOR = (
    "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=RootManageSharedAccessKey;"
    "SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true"
)


class OurCredential:
    """A token credential of our own (the `get_token` protocol azure-core asks for)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("no token is fetched before a connection opens")


def staging(tmp_path: Path, **service_bus: Any) -> Any:
    raw = yaml.safe_load((REPO / "config" / "staging.example.yaml").read_text())
    raw["azure"]["service_bus"].update(service_bus)
    (tmp_path / "staging.yaml").write_text(yaml.safe_dump(raw))
    return load_environment("staging", tmp_path)


def test_the_adapter_builds_its_client_from_the_namespace_and_the_credential_it_is_given() -> None:
    ours = OurCredential()
    bus = ServiceBusBus(fully_qualified_namespace="shop-staging-bus.servicebus.windows.net", credential=ours)
    try:
        assert bus.client.fully_qualified_namespace == "shop-staging-bus.servicebus.windows.net"
        assert bus.client._credential is ours  # the SDK keeps the credential it was built with
    finally:
        bus.close()


def test_without_any_connection_setting_the_bus_names_both_settings() -> None:
    with pytest.raises(BusError, match=r"__fullyQualifiedNamespace.*MCCTL_FN_SERVICEBUS_CONNECTION"):
        ServiceBusBus()


def test_cloud_deploy_writes_the_identity_settings_and_never_a_connection_string(tmp_path: Path) -> None:
    env = staging(tmp_path, connection="env:SERVICEBUS_CONNECTION_STRING")  # configured, still not deployed
    settings = function_env(env, "azure", None)
    assert settings[FQNS] == "shop-staging-bus.servicebus.windows.net"
    assert "MCCTL_FN_SERVICEBUS_CONNECTION" not in settings
    assert settings["MCCTL_FN_BUS_KIND"] == "servicebus"
    assert FQNS not in function_env(env, "aws", None)  # the Lambdas use SQS


def test_the_functions_follow_the_settings_deploy_writes_to_an_entra_id_client(tmp_path: Path) -> None:
    from azure.identity import DefaultAzureCredential

    cfg = FunctionConfig.from_env(function_env(staging(tmp_path), "azure", None))
    bus = make_bus(cfg)
    try:
        assert isinstance(bus, ServiceBusBus)
        assert bus.client.fully_qualified_namespace == "shop-staging-bus.servicebus.windows.net"
        assert isinstance(bus.client._credential, DefaultAzureCredential)
    finally:
        bus.close()


def test_a_user_assigned_identity_is_asked_for_by_credential_and_client_id() -> None:
    from azure.identity import ManagedIdentityCredential

    cfg = FunctionConfig.from_env(
        {
            "MCCTL_FN_CLOUD": "azure",
            "MCCTL_FN_BUS_KIND": "servicebus",
            FQNS: "shop-prod-bus.servicebus.windows.net",
            "MCCTL_FN_SERVICEBUS_CONNECTION__credential": "managedidentity",
            "MCCTL_FN_SERVICEBUS_CONNECTION__clientId": "00000000-0000-0000-0000-00000000abcd",
        }
    )
    bus = make_bus(cfg)
    try:
        assert isinstance(bus, ServiceBusBus)
        assert isinstance(bus.client._credential, ManagedIdentityCredential)
    finally:
        bus.close()


def test_a_connection_string_wins_over_the_identity_settings_as_in_the_functions_host() -> None:
    cfg = FunctionConfig.from_env(
        {
            "MCCTL_FN_BUS_KIND": "servicebus",
            FQNS: "shop-prod-bus.servicebus.windows.net",
            "MCCTL_FN_SERVICEBUS_CONNECTION": f"literal-dev:{EMULATOR}",
        }
    )
    bus = make_bus(cfg)
    try:
        assert isinstance(bus, ServiceBusBus)
        assert bus.client.fully_qualified_namespace == "127.0.0.1:5672"
    finally:
        bus.close()


def test_a_left_over_connection_string_is_superseded_by_the_identity_settings() -> None:
    assert superseded({FQNS: "ns.servicebus.windows.net", "MCCTL_FN_CLOUD": "azure"}) == {
        "MCCTL_FN_SERVICEBUS_CONNECTION"
    }
    assert superseded({"MCCTL_FN_CLOUD": "azure"}) == set()


def test_the_example_environments_carry_no_servicebus_connection_string() -> None:
    for name in ("staging", "prod"):
        raw = yaml.safe_load((REPO / "config" / f"{name}.example.yaml").read_text())
        assert "connection" not in raw["azure"]["service_bus"], name


@pytest.fixture(autouse=True)
def _no_azure_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
