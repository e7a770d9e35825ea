"""The AWS↔Azure site-to-site VPN, both sides, against moto (strict VPN answers, local/moto_vpn.py) and the fake
ARM (local/arm/vpngateways.py) through the real SDKs: converge, no drift, the cross-cloud wiring, one pre-shared
key on both sides and never in a plan or a journal, refusals as the clouds refuse, destroy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from botocore.exceptions import ClientError

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

VPN_KINDS = (
    "vpc",
    "vpn_gateway",
    "customer_gateway",
    "vpn_connection",
    "azure_resource_group",
    "azure_vnet",
    "azure_vpn_gateway",
    "azure_local_network_gateway",
    "azure_vpn_connection",
)
NEW_KINDS = {"customer_gateway", "vpn_connection", "azure_vpn_gateway", "azure_local_network_gateway"} | {
    "azure_vpn_connection"
}
PSK = "Sandbox_psk.for.tests42"


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def ec2(env: Any, region: str) -> Any:
    import boto3

    return boto3.client("ec2", endpoint_url=env.endpoints().aws, region_name=region)


def test_vpn_converges_wires_both_clouds_with_one_key_and_destroys(
    cloud_runtime: Any, aws_spec: Any, arm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCCTL_VPN_PSK", PSK)
    spec = aws_spec(*VPN_KINDS)
    dry = provision.apply_plan(cloud_runtime(dry_run=True), spec)
    planned = json.dumps([s.params for s in dry.steps], default=str)
    assert "env:MCCTL_VPN_PSK" in planned and PSK not in planned  # the reference, never the key
    assert "(public IP of azure_vpn_gateway/mcctl-local-eastus-vpngw-ip)" in planned
    rt = cloud_runtime()
    outcome = provision.apply(rt, spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    assert provision.find_drift(cloud_runtime(dry_run=True), spec) == []
    journal = outcome.journal.read_text() if hasattr(outcome, "journal") and outcome.journal else ""
    journals = "".join(p.read_text() for p in (rt.environment.env_state_dir / "journal").rglob("*") if p.is_file())
    assert journals and PSK not in journals and PSK not in journal

    store, env = arm.server.store, cloud_runtime().environment
    by_type: dict[str, list[dict[str, Any]]] = {}
    for res in store.resources.values():
        by_type.setdefault(res["type"], []).append(res)
    for region, loc in (("us-east-1", "eastus"), ("us-west-2", "westus")):
        pip = next(r for r in by_type["Microsoft.Network/publicIPAddresses"] if r["location"] == loc)
        gw = next(r for r in by_type["Microsoft.Network/virtualNetworkGateways"] if r["location"] == loc)
        c = ec2(env, region)
        cgw = c.describe_customer_gateways(Filters=[{"Name": "tag:Name", "Values": ["mcctl-local-cgw"]}])
        assert cgw["CustomerGateways"][0]["IpAddress"] == pip["properties"]["ipAddress"]
        assert int(cgw["CustomerGateways"][0]["BgpAsn"]) == gw["properties"]["bgpSettings"]["asn"] == 65010
        vpn = c.describe_vpn_connections(Filters=[{"Name": "tag:Name", "Values": ["mcctl-local-vpn"]}])
        tunnels = vpn["VpnConnections"][0]["Options"]["TunnelOptions"]
        assert vpn["VpnConnections"][0]["Options"]["StaticRoutesOnly"] is False
        assert [t["TunnelInsideCidr"] for t in tunnels] == ["169.254.21.0/30", "169.254.22.0/30"]
        assert {t["PreSharedKey"] for t in tunnels} == {PSK}
        lngs = sorted(
            (r for r in by_type["Microsoft.Network/localNetworkGateways"] if r["location"] == loc),
            key=lambda r: r["name"],
        )
        assert [r["properties"]["gatewayIpAddress"] for r in lngs] == [t["OutsideIpAddress"] for t in tunnels]
        assert [r["properties"]["bgpSettings"]["bgpPeeringAddress"] for r in lngs] == ["169.254.21.1", "169.254.22.1"]
        custom = gw["properties"]["bgpSettings"]["bgpPeeringAddresses"][0]["customBgpIpAddresses"]
        assert custom == ["169.254.21.2", "169.254.22.2"]
        for conn in (r for r in by_type["Microsoft.Network/connections"] if r["location"] == loc):
            assert "sharedKey" not in conn["properties"]
            key = cloud_runtime().azure.resources.resources  # the SDK's pipeline, for the RP's own key operation
            answer = key._client.send_request(_get(f"{env.azure.arm_endpoint}{conn['id']}/sharedkey"))
            assert answer.status_code == 200 and answer.json()["value"] == PSK

    rt = cloud_runtime()
    destroy = provision.destroy_plan(rt, spec)
    assert {s.resource.split("/")[0] for s in destroy.steps} >= NEW_KINDS
    from multicloud_ctl.engine.run import Operation, run

    assert run(rt, Operation("provision destroy", lambda _rt: destroy)).status == "ok"
    assert {p.action for p in provision.plan_resources(cloud_runtime(dry_run=True), spec)} == {"create"}
    assert store.resources == {} and store.groups == {}


def _get(url: str) -> Any:
    from azure.core.rest import HttpRequest

    return HttpRequest("GET", f"{url}?api-version=2023-09-01")


def test_a_key_aws_refuses_fails_the_apply_without_showing_it(
    cloud_runtime: Any, aws_spec: Any, arm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "0starts_with_zero"
    monkeypatch.setenv("MCCTL_VPN_PSK", bad)
    from multicloud_ctl.errors import McctlError

    with pytest.raises(McctlError) as err:
        provision.apply(cloud_runtime(), aws_spec(*VPN_KINDS))
    assert "refused by AWS" in str(err.value) and bad not in str(err.value)
    journals = "".join(
        p.read_text() for p in (cloud_runtime().environment.env_state_dir / "journal").rglob("*") if p.is_file()
    )
    assert bad not in journals


def test_moto_refuses_what_ec2_refuses(local_env: Any) -> None:
    c = ec2(local_env, "us-east-1")
    with pytest.raises(ClientError, match="not a public IPv4"):
        c.create_customer_gateway(Type="ipsec.1", IpAddress="10.1.2.3", BgpAsn=65010)
    with pytest.raises(ClientError, match="7224 is reserved"):
        c.create_customer_gateway(Type="ipsec.1", IpAddress="203.0.113.9", BgpAsn=7224)
    cgw = c.create_customer_gateway(Type="ipsec.1", IpAddress="203.0.113.9", BgpAsn=65010)["CustomerGateway"]
    vgw = c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64512)["VpnGateway"]["VpnGatewayId"]

    def connect(*tunnels: dict[str, str], gateway: str = vgw) -> Any:
        return c.create_vpn_connection(
            Type="ipsec.1",
            CustomerGatewayId=cgw["CustomerGatewayId"],
            VpnGatewayId=gateway,
            Options={"StaticRoutesOnly": False, "TunnelOptions": list(tunnels)},
        )

    with pytest.raises(ClientError, match=r"InvalidVpnGatewayID\.NotFound"):
        connect(gateway="vgw-0123456789abcdef0")
    with pytest.raises(ClientError, match=r"/30 CIDR block from the 169\.254\.0\.0/16"):
        connect({"TunnelInsideCidr": "10.0.0.0/30"})
    with pytest.raises(ClientError, match="is reserved"):
        connect({"TunnelInsideCidr": "169.254.5.0/30"})
    with pytest.raises(ClientError, match="must be unique"):
        connect({"TunnelInsideCidr": "169.254.21.0/30"}, {"TunnelInsideCidr": "169.254.21.0/30"})
    for key in ("short", "0leading_zero", "has-a-dash-in-it", "x" * 65):
        with pytest.raises(ClientError, match="pre-shared key"):
            connect({"PreSharedKey": key})
    made = connect({"TunnelInsideCidr": "169.254.21.0/30", "PreSharedKey": "fine_key.1"})["VpnConnection"]
    tunnels = made["Options"]["TunnelOptions"]
    assert len(tunnels) == 2 and tunnels[0]["TunnelInsideCidr"] == "169.254.21.0/30"
    assert [t["OutsideIpAddress"] for t in tunnels] == [v["OutsideIpAddress"] for v in made["VgwTelemetry"]]


@pytest.mark.violations_expected  # every PUT here is refused on purpose
def test_the_fake_arm_refuses_what_the_network_rp_refuses(cloud_runtime: Any, aws_spec: Any, arm: Any) -> None:
    provision.apply(cloud_runtime(), aws_spec("azure_resource_group", "azure_vnet"))
    az = cloud_runtime().azure.resources.resources
    env = cloud_runtime().environment
    base = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}/providers"
    net = f"{base}/Microsoft.Network"

    def refused(rid: str, body: dict[str, Any]) -> tuple[int, str]:
        with pytest.raises(HttpResponseError) as err:
            az.begin_create_or_update_by_id(rid, body, api_version="2023-09-01").result()
        return err.value.status_code, str(err.value.error.code if err.value.error else "")

    pip = f"{net}/publicIPAddresses/gw-ip"
    dynamic = {"properties": {"publicIPAllocationMethod": "Dynamic"}, "sku": {"name": "Standard"}}
    assert refused(pip, {"location": "eastus", **dynamic}) == (400, "StandardSkuPublicIPAddressesMustBeStatic")
    static = {"location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}
    az.begin_create_or_update_by_id(pip, static, api_version="2023-09-01").result()
    vnet = f"{net}/virtualNetworks/mcctl-local-eastus"

    def gateway(subnet: str, **props: Any) -> dict[str, Any]:
        config = {"subnet": {"id": f"{vnet}/subnets/{subnet}"}, "publicIPAddress": {"id": pip}}
        base_props = {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}}
        return {
            "location": "eastus",
            "properties": {**base_props, "ipConfigurations": [{"name": "default", "properties": config}], **props},
        }

    gw = f"{net}/virtualNetworkGateways/gw"
    assert refused(gw, gateway("functions")) == (400, "GatewaySubnet")
    assert refused(gw, gateway("GatewaySubnet", gatewayType="Bogus"))[1] == "InvalidRequestContent"  # the schema
    assert refused(gw, gateway("GatewaySubnet", enableBgp=True, bgpSettings={"asn": 65515}))[0] == 400
    apipa = {"asn": 65010, "bgpPeeringAddresses": [{"customBgpIpAddresses": ["169.254.30.2"]}]}
    assert refused(gw, gateway("GatewaySubnet", enableBgp=True, bgpSettings=apipa))[0] == 400
    lng = f"{net}/localNetworkGateways/aws"
    assert refused(lng, {"location": "eastus", "properties": {}})[0] == 400
    no_peer = {"gatewayIpAddress": "198.51.100.1", "bgpSettings": {"asn": 64512}}
    assert refused(lng, {"location": "eastus", "properties": no_peer})[0] == 400
    conn = {
        "connectionType": "IPsec",
        "virtualNetworkGateway1": {"id": gw, "properties": {}},
        "localNetworkGateway2": {"id": lng, "properties": {}},
    }
    assert refused(f"{net}/connections/aws", {"location": "eastus", "properties": conn}) == (
        400,
        "InvalidResourceReference",
    )
