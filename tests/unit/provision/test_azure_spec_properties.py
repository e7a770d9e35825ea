"""What the Azure kinds send exists in the published REST API definition of the api-version they send it with.

ARM does not refuse an unknown property in a namespace body: it drops it. So `minimumTlsVersion` sent with
api-version 2021-11-01 (whose SBNamespaceProperties has no such field) is silently not applied, and the
namespace accepts TLS 1.0. Neither the sandbox nor an apply can show that; this comparison with the vendored
definition (tests/data/azure-specs, from Azure/azure-rest-api-specs) can.
"""

from __future__ import annotations

import json
from pathlib import Path

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import AzureServiceBusNamespace

REPO = Path(__file__).resolve().parents[3]
SPEC = json.loads((REPO / "tests" / "data" / "azure-specs" / "servicebus-namespace-properties.json").read_text())


def test_service_bus_namespace_properties_exist_in_its_api_version() -> None:
    env = load_environment("local", REPO / "config")
    spec = ProvisionSpec()
    ctx = DesiredContext(env=env, spec=spec, features=spec.features_for("local"))
    kind = AzureServiceBusNamespace()
    published = set(SPEC[kind.api_version])
    bodies = [a.body for a in kind.arm(ctx)]
    assert bodies
    for body in bodies:
        assert set(body["properties"]) <= published, f"not in {kind.api_version}: {set(body['properties']) - published}"
        assert body["properties"]["minimumTlsVersion"] in SPEC["minimumTlsVersion (2024-01-01)"]
        assert body["properties"]["minimumTlsVersion"] == "1.2"
