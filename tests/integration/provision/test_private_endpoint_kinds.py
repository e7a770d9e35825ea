"""Private endpoints both sides (issue 18 item 5): VPC gateway endpoints for S3 and DynamoDB and interface
endpoints for SQS and Secrets Manager on moto (as strict as EC2: local/moto_endpoints.py); private endpoints for
Azure SQL, Blob, Service Bus and Key Vault with their privatelink DNS zones on the fake ARM (as strict as the
Network and Private DNS RPs: local/arm/privatelink.py); converge, no drift, destroy, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from botocore.exceptions import ClientError

from multicloud_ctl.operations import provision

pytestmark = pytest.mark.integration

AWS_KINDS = ("vpc", "subnet", "vpc_endpoint")
AZURE_KINDS = (
    "azure_resource_group",
    "azure_vnet",
    "azure_storage_account",
    "azure_sql_server",
    "azure_servicebus_namespace",
    "azure_key_vault",
    "azure_private_dns_zone",
    "azure_private_endpoint",
)
PREMIUM = {"azure_servicebus_namespace": {"sku": "Premium"}}
ZONES = {
    "privatelink.database.windows.net",
    "privatelink.blob.core.windows.net",
    "privatelink.servicebus.windows.net",
    "privatelink.vaultcore.azure.net",
}
PE_TYPES = {
    "Microsoft.Network/privateEndpoints",
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
}


def pending(plans: list[Any]) -> dict[str, Any]:
    return {p.address: [str(c) for c in p.changes] or p.action for p in plans if p.action != "noop"}


def ec2(env: Any, region: str) -> Any:
    import boto3

    return boto3.client("ec2", endpoint_url=env.endpoints().aws, region_name=region)


def of_type(arm: Any, rtype: str) -> list[dict[str, Any]]:
    return [r for r in arm.server.store.resources.values() if r["type"] == rtype]


def destroy(rt: Any, spec: Any) -> Any:
    from multicloud_ctl.engine.run import Operation, run

    plan = provision.destroy_plan(rt, spec)
    assert run(rt, Operation("provision destroy", lambda _rt: plan)).status == "ok"
    return plan


def test_vpc_endpoints_converge_in_both_regions_read_no_drift_and_destroy(runtime_for: Any, aws_spec: Any) -> None:
    spec = aws_spec(*AWS_KINDS)
    provision.apply(runtime_for(), spec)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}
    assert provision.find_drift(runtime_for(dry_run=True), spec) == []
    env = runtime_for().environment
    for region in ("us-east-1", "us-west-2"):
        c = ec2(env, region)
        vpc = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["mcctl-local"]}])["Vpcs"][0]["VpcId"]
        main = c.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]
        live = {
            e["ServiceName"].rsplit(".", 1)[1]: e
            for e in c.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
            if e["State"].lower() != "deleted"
        }
        assert set(live) == {"s3", "dynamodb", "sqs", "secretsmanager"}
        for service in ("s3", "dynamodb"):
            assert live[service]["VpcEndpointType"] == "Gateway" and live[service]["RouteTableIds"] == [main]
        for service in ("sqs", "secretsmanager"):
            assert live[service]["VpcEndpointType"] == "Interface" and live[service]["PrivateDnsEnabled"] is True
            assert len(live[service]["SubnetIds"]) == 2
        assert {t["Key"]: t["Value"] for t in live["sqs"]["Tags"]}["Name"] == "mcctl-local-sqs"

    # an endpoint changed by hand is drift, and apply puts it back (ModifyVpcEndpoint)
    c = ec2(env, "us-east-1")
    sqs = c.describe_vpc_endpoints(Filters=[{"Name": "tag:Name", "Values": ["mcctl-local-sqs"]}])["VpcEndpoints"][0]
    c.modify_vpc_endpoint(VpcEndpointId=sqs["VpcEndpointId"], RemoveSubnetIds=sqs["SubnetIds"][:1])
    drift = pending(provision.plan_resources(runtime_for(dry_run=True), spec))
    assert list(drift) == ["vpc_endpoint/mcctl-local-sqs@us-east-1"]
    provision.apply(runtime_for(), spec)
    assert pending(provision.plan_resources(runtime_for(dry_run=True), spec)) == {}

    plan = destroy(runtime_for(), spec)
    assert {s.resource.split("/")[0] for s in plan.steps} >= {"vpc_endpoint"}
    assert {p.action for p in provision.plan_resources(runtime_for(dry_run=True), spec)} == {"create"}


def test_moto_refuses_the_vpc_endpoints_ec2_refuses(local_env: Any) -> None:
    c = ec2(local_env, "us-east-1")
    vpc = c.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    main = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    a = c.create_subnet(VpcId=vpc, CidrBlock="10.60.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    a2 = c.create_subnet(VpcId=vpc, CidrBlock="10.60.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = c.create_subnet(VpcId=vpc, CidrBlock="10.60.3.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]

    def refused(code: str, **kwargs: Any) -> None:
        with pytest.raises(ClientError) as err:
            c.create_vpc_endpoint(VpcId=vpc, **kwargs)
        assert err.value.response["Error"]["Code"] == code, err.value

    sqs, s3 = "com.amazonaws.us-east-1.sqs", "com.amazonaws.us-east-1.s3"
    refused("InvalidServiceName", ServiceName="com.amazonaws.us-east-1.nosuchservice", VpcEndpointType="Interface")
    refused("InvalidParameter", ServiceName=sqs, VpcEndpointType="Gateway", RouteTableIds=[main])
    refused("InvalidParameter", ServiceName=s3, VpcEndpointType="Gateway", SubnetIds=[a])
    refused("InvalidParameter", ServiceName=sqs, VpcEndpointType="Interface", SubnetIds=[a], RouteTableIds=[main])
    refused("DuplicateSubnetsInSameZone", ServiceName=sqs, VpcEndpointType="Interface", SubnetIds=[a, a2])
    # private DNS needs DNS hostnames on the VPC (off by default for a new VPC)
    refused("InvalidParameter", ServiceName=sqs, VpcEndpointType="Interface", SubnetIds=[a, b])
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    made = c.create_vpc_endpoint(VpcId=vpc, ServiceName=sqs, VpcEndpointType="Interface", SubnetIds=[a, b])
    # a second endpoint of the same service cannot also take the private DNS name
    refused("InvalidParameter", ServiceName=sqs, VpcEndpointType="Interface", SubnetIds=[a])
    endpoint = made["VpcEndpoint"]["VpcEndpointId"]
    with pytest.raises(ClientError, match="DuplicateSubnetsInSameZone"):
        c.modify_vpc_endpoint(VpcEndpointId=endpoint, AddSubnetIds=[a2])
    c.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=False)
    live = c.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]
    assert live["PrivateDnsEnabled"] is False
    gateway = c.create_vpc_endpoint(VpcId=vpc, ServiceName=s3, VpcEndpointType="Gateway", RouteTableIds=[main])
    assert gateway["VpcEndpoint"]["RouteTableIds"] == [main]
    with pytest.raises(ClientError, match="InvalidParameter"):
        c.modify_vpc_endpoint(VpcEndpointId=gateway["VpcEndpoint"]["VpcEndpointId"], AddSubnetIds=[b])


def test_private_endpoints_converge_with_their_zones_read_no_drift_and_destroy(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    spec = aws_spec(*AZURE_KINDS, kinds=PREMIUM)
    provision.apply(cloud_runtime(), spec)
    assert pending(provision.plan_resources(cloud_runtime(dry_run=True), spec)) == {}
    assert provision.find_drift(cloud_runtime(dry_run=True), spec) == []

    zones = {z["name"]: z for z in of_type(arm, "Microsoft.Network/privateDnsZones")}
    assert set(zones) == ZONES and {z["location"] for z in zones.values()} == {"global"}
    links = of_type(arm, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    assert len(links) == 2 * len(ZONES)  # every zone linked to both VNets
    assert {link["properties"]["registrationEnabled"] for link in links} == {False}
    endpoints = of_type(arm, "Microsoft.Network/privateEndpoints")
    groups = sorted(
        e["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0] + "@" + e["location"]
        for e in endpoints
    )
    assert groups == [
        "blob@eastus",
        "blob@westus",
        "namespace@eastus",
        "namespace@westus",
        "sqlServer@eastus",
        "sqlServer@westus",
        "vault@eastus",  # the vault lives in the primary location only
    ]
    for e in endpoints:
        props = e["properties"]
        assert props["subnet"]["id"].endswith("/subnets/private-endpoints")
        state = props["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
        assert state["status"] == "Approved" and props["networkInterfaces"] and props["customDnsConfigs"]
    zone_groups = of_type(arm, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    assert len(zone_groups) == len(endpoints)
    records = [c["properties"]["recordSets"][0] for g in zone_groups for c in g["properties"]["privateDnsZoneConfigs"]]
    assert all(r["ipAddresses"][0].startswith(("10.30.2.", "10.31.2.")) for r in records)

    # the zone answers its live link count
    zone_id = zones["privatelink.vaultcore.azure.net"]["id"]
    live = cloud_runtime().azure.resources.resources.get_by_id(zone_id, api_version="2024-06-01")
    assert live.properties["numberOfVirtualNetworkLinks"] == 2

    destroy(cloud_runtime(), spec)
    assert not [r for r in arm.server.store.resources.values() if r["type"] in PE_TYPES]


def test_the_bus_gets_a_private_endpoint_only_on_premium(aws_spec: Any, local_env: Any) -> None:
    from pydantic import ValidationError

    from multicloud_ctl.config.specs.provision import Features
    from multicloud_ctl.operations.provision.kind import DesiredContext
    from multicloud_ctl.operations.provision.kinds.azure_private_endpoint import link_targets

    spec = aws_spec(*AZURE_KINDS)
    ctx = DesiredContext(env=local_env, spec=spec, features=Features())
    assert {t.service for t in link_targets(ctx)} == {"sql", "blob", "vault"}  # Standard namespace: no bus endpoint
    with pytest.raises(ValidationError, match="Service Bus private endpoint needs a Premium namespace"):
        aws_spec(*AZURE_KINDS, kinds={"azure_private_endpoint": {"services": ["servicebus"]}})
    premium = aws_spec(*AZURE_KINDS, kinds=PREMIUM)
    ctx = DesiredContext(env=local_env, spec=premium, features=Features())
    assert {t.service for t in link_targets(ctx)} == {"sql", "blob", "servicebus", "vault"}


@pytest.mark.violations_expected  # every write here is refused on purpose
def test_the_fake_arm_refuses_what_the_private_link_and_dns_rps_refuse(
    cloud_runtime: Any, aws_spec: Any, arm: Any
) -> None:
    provision.apply(
        cloud_runtime(),
        aws_spec("azure_resource_group", "azure_vnet", "azure_storage_account", "azure_servicebus_namespace"),
    )
    az = cloud_runtime().azure.resources.resources
    env = cloud_runtime().environment
    base = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}/providers"
    net = f"{base}/Microsoft.Network"
    vnet = f"{net}/virtualNetworks/mcctl-local-eastus"
    account = f"{base}/Microsoft.Storage/storageAccounts/{env.azure.storage.account}"
    namespace = f"{base}/Microsoft.ServiceBus/namespaces/{env.azure.service_bus.namespace}"

    def refused(rid: str, body: dict[str, Any], api: str = "2023-09-01") -> tuple[int, str]:
        with pytest.raises(HttpResponseError) as err:
            az.begin_create_or_update_by_id(rid, body, api_version=api).result()
        return err.value.status_code, str(err.value.error.code if err.value.error else "")

    def endpoint(subnet: str, target: str, group: str, location: str = "eastus") -> dict[str, Any]:
        conn = {"name": "c", "properties": {"privateLinkServiceId": target, "groupIds": [group]}}
        props = {"subnet": {"id": f"{vnet}/subnets/{subnet}"}, "privateLinkServiceConnections": [conn]}
        return {"location": location, "properties": props}

    pe = f"{net}/privateEndpoints/pe"
    assert refused(pe, endpoint("nosuch", account, "blob")) == (400, "InvalidResourceReference")
    assert refused(pe, endpoint("GatewaySubnet", account, "blob"))[0] == 400
    assert refused(pe, endpoint("private-endpoints", account, "blob", location="westus"))[0] == 400
    assert refused(pe, endpoint("private-endpoints", f"{account}x", "blob")) == (400, "InvalidResourceReference")
    assert refused(pe, endpoint("private-endpoints", account, "sqlServer"))[0] == 400  # not a storage group
    assert refused(pe, endpoint("private-endpoints", namespace, "namespace"))[0] == 400  # a Standard namespace
    made = endpoint("private-endpoints", account, "blob")
    az.begin_create_or_update_by_id(pe, made, api_version="2023-09-01").result()

    # the endpoint's subnet cannot go while the endpoint is in it, nor can its VNet
    live_vnet = az.get_by_id(vnet, api_version="2023-09-01").as_dict()
    fewer = [s for s in live_vnet["properties"]["subnets"] if s["name"] != "private-endpoints"]
    shrunk = {"location": "eastus", "properties": {**live_vnet["properties"], "subnets": fewer}}
    assert refused(vnet, shrunk) == (400, "InUseSubnetCannotBeDeleted")
    with pytest.raises(HttpResponseError, match="InUseSubnetCannotBeDeleted"):
        az.begin_delete_by_id(vnet, api_version="2023-09-01").result()

    zone = f"{net}/privateDnsZones/privatelink.blob.core.windows.net"
    assert refused(zone, {"location": "eastus"}, "2024-06-01") == (400, "LocationNotAvailableForResourceType")
    assert refused(f"{net}/privateDnsZones/localonly", {"location": "global"}, "2024-06-01")[0] == 400
    wrong = f"{net}/privateDnsZones/privatelink.vaultcore.azure.net"
    for rid in (zone, wrong):
        az.begin_create_or_update_by_id(rid, {"location": "global"}, api_version="2024-06-01").result()

    def group(zone_id: str) -> dict[str, Any]:
        return {"properties": {"privateDnsZoneConfigs": [{"name": "z", "properties": {"privateDnsZoneId": zone_id}}]}}

    assert refused(f"{pe}/privateDnsZoneGroups/default", group(f"{zone}x")) == (400, "InvalidResourceReference")
    assert refused(f"{pe}/privateDnsZoneGroups/default", group(wrong))[0] == 400  # not the blob zone
    assert refused(f"{net}/privateEndpoints/none/privateDnsZoneGroups/default", group(zone)) == (
        404,
        "ParentResourceNotFound",
    )

    link = {"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}}
    assert refused(f"{zone}/virtualNetworkLinks/l", {**link, "location": "eastus"}, "2024-06-01")[0] == 400
    missing = {**link, "properties": {"virtualNetwork": {"id": f"{vnet}x"}}}
    assert refused(f"{zone}/virtualNetworkLinks/l", missing, "2024-06-01") == (400, "InvalidResourceReference")
    az.begin_create_or_update_by_id(f"{zone}/virtualNetworkLinks/l", link, api_version="2024-06-01").result()
    assert refused(f"{zone}/virtualNetworkLinks/again", link, "2024-06-01") == (409, "Conflict")
    with pytest.raises(HttpResponseError) as err:
        az.begin_delete_by_id(zone, api_version="2024-06-01").result()
    assert err.value.status_code == 409  # links go first
