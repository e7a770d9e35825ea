"""Validate-time checks of the VPN's address spaces and tunnels: refused with the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from multicloud_ctl.config.specs.provision import ProvisionSpec
from multicloud_ctl.errors import ConfigError


def write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "provision.yaml"
    doc = {"apiVersion": "mcctl/v1", "kind": "Provision", "metadata": {"name": "t"}, "spec": spec}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def load(path: Path) -> ProvisionSpec:
    from multicloud_ctl.config.playbook import load_playbook

    spec: ProvisionSpec = load_playbook(path, "Provision").spec
    return spec


def test_the_shipped_defaults_do_not_overlap() -> None:
    from multicloud_ctl.operations.provision.address_space import overlaps

    assert overlaps(ProvisionSpec()) == []
    shipped = Path(__file__).resolve().parents[3] / "playbooks" / "provision.yaml"
    assert overlaps(load(shipped)) == []


def test_a_vnet_overlapping_the_vpc_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, {"kinds": {"azure_vnet": {"prefixes": {"primary": "10.20", "secondary": "10.31"}}}})
    with pytest.raises(ConfigError) as err:
        load(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if "primary: '10.20'" in text)
    assert str(err.value).startswith(f"{path}:{line} spec.kinds.azure_vnet.prefixes.primary: the Azure VNet 10.20.")
    assert "overlaps the AWS VPC CIDR 10.20.0.0/16 (primary)" in str(err.value)


def test_an_environment_override_that_overlaps_names_the_override(tmp_path: Path) -> None:
    spec = {
        "environments": {
            "prod": {"kinds": {"vpc": {"cidrs": {"primary": "10.30.128.0/17", "secondary": "10.21.0.0/16"}}}}
        }
    }
    path = write(tmp_path, spec)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "spec.environments.prod.kinds.vpc.cidrs.primary" in str(err.value)
    assert "in environment 'prod'" in str(err.value)


@pytest.mark.parametrize(
    ("cidrs", "says"),
    [
        (["169.254.21.0/30"], "two tunnels"),
        (["169.254.21.0/30", "169.254.21.0/30"], "two tunnels"),
        (["169.254.21.0/29", "169.254.22.0/30"], "is a /30"),
        (["169.254.5.0/30", "169.254.22.0/30"], "reserved by AWS"),
        (["169.254.40.0/30", "169.254.22.0/30"], "APIPA"),
        (["nonsense", "169.254.22.0/30"], "not a CIDR"),
    ],
)
def test_tunnel_inside_cidrs_both_clouds_accept(tmp_path: Path, cidrs: list[str], says: str) -> None:
    path = write(tmp_path, {"kinds": {"vpn_connection": {"tunnel_inside_cidrs": cidrs}}})
    with pytest.raises(ConfigError, match=says) as err:
        load(path)
    assert "spec.kinds.vpn_connection.tunnel_inside_cidrs" in str(err.value)


def test_the_key_is_a_reference_and_azure_reserved_asns_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a secret reference"):
        load(write(tmp_path, {"kinds": {"vpn_connection": {"pre_shared_key": "Pasted_Key_123"}}}))
    with pytest.raises(ConfigError, match="reserved by Azure"):
        load(write(tmp_path, {"kinds": {"azure_vpn_gateway": {"asn": 65515}}}))
