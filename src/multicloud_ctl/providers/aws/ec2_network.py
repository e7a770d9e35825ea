"""The VPC side of the cross-cloud link: VPC, subnets, the VPN gateway, the customer gateway and the site-to-site
VPN connection, found by their `Name` tag.

A VPN connection's description carries its tunnels' pre-shared keys (`Options.TunnelOptions[].PreSharedKey`, and
the whole `CustomerGatewayConfiguration` document): `vpn_connection` drops both before anything else sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


@dataclass
class Ec2Network:
    clients: AwsClients
    region: str

    @property
    def _c(self) -> Any:
        return self.clients.client("ec2", self.region)

    def _one(self, operation: str, key: str, name: str, **filters: Any) -> dict[str, Any] | None:
        with aws_errors(operation, name):
            found = getattr(self._c, _snake(operation))(
                Filters=[{"Name": "tag:Name", "Values": [name]}, *filters.get("extra", [])]
            )[key]
        found = [f for f in found if f.get("State") not in ("deleted", "deleting")]
        if not found:
            return None
        item = dict(found[0])
        item["TagMap"] = _tags(item.get("Tags"))
        return item

    def vpc(self, name: str) -> dict[str, Any] | None:
        return self._one("DescribeVpcs", "Vpcs", name)

    def subnet(self, name: str) -> dict[str, Any] | None:
        return self._one("DescribeSubnets", "Subnets", name)

    def vpn_gateway(self, name: str) -> dict[str, Any] | None:
        return self._one("DescribeVpnGateways", "VpnGateways", name)

    def customer_gateway(self, name: str) -> dict[str, Any] | None:
        return self._one("DescribeCustomerGateways", "CustomerGateways", name)

    def vpn_connection(self, name: str) -> dict[str, Any] | None:
        """The connection without its secrets: no pre-shared keys, no customer gateway configuration."""
        found = self._one("DescribeVpnConnections", "VpnConnections", name)
        return None if found is None else without_keys(found)

    def vpc_endpoint(self, name: str) -> dict[str, Any] | None:
        """The VPC endpoint tagged `Name`, skipping deleted ones (EC2 answers those for a while)."""
        with aws_errors("DescribeVpcEndpoints", name):
            found = self._c.describe_vpc_endpoints(Filters=[{"Name": "tag:Name", "Values": [name]}])["VpcEndpoints"]
        live = [e for e in found if str(e.get("State", "")).lower() not in ("deleted", "deleting", "failed")]
        if not live:
            return None
        item = dict(live[0])
        item["TagMap"] = _tags(item.get("Tags"))
        return item

    def main_route_table(self, vpc_id: str) -> str | None:
        """The id of the VPC's main route table (the one EC2 creates with the VPC)."""
        with aws_errors("DescribeRouteTables", vpc_id):
            tables = self._c.describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
            )["RouteTables"]
        return str(tables[0]["RouteTableId"]) if tables else None

    def subnet_names(self, ids: list[str]) -> list[str]:
        """The `Name` tags of subnets by id (the id itself when untagged), in the order given."""
        if not ids:
            return []
        with aws_errors("DescribeSubnets", ids[0]):
            found = self._c.describe_subnets(SubnetIds=ids)["Subnets"]
        return _names(found, "SubnetId", ids)

    def route_table_names(self, ids: list[str]) -> list[str]:
        """The `Name` tags of route tables by id (the id itself when untagged), in the order given."""
        if not ids:
            return []
        with aws_errors("DescribeRouteTables", ids[0]):
            found = self._c.describe_route_tables(RouteTableIds=ids)["RouteTables"]
        return _names(found, "RouteTableId", ids)

    def create_vpc_endpoint(self, vpc_id: str, spec: dict[str, Any], tags: list[dict[str, str]]) -> str:
        """A Gateway endpoint (`RouteTableIds`) or an Interface endpoint (`SubnetIds`, `PrivateDnsEnabled`)."""
        with aws_errors("CreateVpcEndpoint", str(spec.get("ServiceName"))):
            out = self._c.create_vpc_endpoint(
                VpcId=vpc_id, TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tags}], **spec
            )
        return str(out["VpcEndpoint"]["VpcEndpointId"])

    def modify_vpc_endpoint(self, endpoint_id: str, changes: dict[str, Any]) -> None:
        """ModifyVpcEndpoint with `Add/RemoveRouteTableIds`, `Add/RemoveSubnetIds` or `PrivateDnsEnabled`."""
        with aws_errors("ModifyVpcEndpoint", endpoint_id):
            self._c.modify_vpc_endpoint(VpcEndpointId=endpoint_id, **changes)

    def create_customer_gateway(self, asn: int, ip_address: str, tags: list[dict[str, str]]) -> str:
        with aws_errors("CreateCustomerGateway", ip_address):
            out = self._c.create_customer_gateway(
                Type="ipsec.1",
                BgpAsn=asn,
                IpAddress=ip_address,
                TagSpecifications=[{"ResourceType": "customer-gateway", "Tags": tags}],
            )
        return str(out["CustomerGateway"]["CustomerGatewayId"])

    def create_vpn_connection(
        self, cgw_id: str, vgw_id: str, tunnels: list[dict[str, str]], tags: list[dict[str, str]]
    ) -> str:
        """A BGP (dynamic routing) connection; `tunnels` = [{"TunnelInsideCidr", "PreSharedKey"}] (two)."""
        with aws_errors("CreateVpnConnection", cgw_id):
            out = self._c.create_vpn_connection(
                Type="ipsec.1",
                CustomerGatewayId=cgw_id,
                VpnGatewayId=vgw_id,
                Options={"StaticRoutesOnly": False, "TunnelOptions": tunnels},
                TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": tags}],
            )
        return str(out["VpnConnection"]["VpnConnectionId"])

    def create_vpc(self, cidr: str, tags: list[dict[str, str]]) -> str:
        with aws_errors("CreateVpc", cidr):
            vpc = self._c.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
        vpc_id = str(vpc["Vpc"]["VpcId"])
        with aws_errors("ModifyVpcAttribute", vpc_id):
            self._c.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
        return vpc_id

    def dns_hostnames(self, vpc_id: str) -> bool:
        with aws_errors("DescribeVpcAttribute", vpc_id):
            out = self._c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
        return bool(out["EnableDnsHostnames"]["Value"])

    def set_dns_hostnames(self, vpc_id: str, value: bool) -> None:
        with aws_errors("ModifyVpcAttribute", vpc_id):
            self._c.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": value})

    def create_subnet(self, vpc_id: str, cidr: str, zone: str, tags: list[dict[str, str]]) -> str:
        with aws_errors("CreateSubnet", cidr):
            out = self._c.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=zone,
                TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
            )
        return str(out["Subnet"]["SubnetId"])

    def create_vpn_gateway(self, asn: int, tags: list[dict[str, str]]) -> str:
        with aws_errors("CreateVpnGateway", str(asn)):
            out = self._c.create_vpn_gateway(
                Type="ipsec.1",
                AmazonSideAsn=asn,
                TagSpecifications=[{"ResourceType": "vpn-gateway", "Tags": tags}],
            )
        return str(out["VpnGateway"]["VpnGatewayId"])

    def attach_vpn_gateway(self, vgw_id: str, vpc_id: str) -> None:
        with aws_errors("AttachVpnGateway", vgw_id):
            self._c.attach_vpn_gateway(VpnGatewayId=vgw_id, VpcId=vpc_id)

    def detach_vpn_gateway(self, vgw_id: str, vpc_id: str) -> None:
        with aws_errors("DetachVpnGateway", vgw_id):
            self._c.detach_vpn_gateway(VpnGatewayId=vgw_id, VpcId=vpc_id)

    def tag(self, resource_id: str, tags: list[dict[str, str]]) -> None:
        with aws_errors("CreateTags", resource_id):
            self._c.create_tags(Resources=[resource_id], Tags=tags)

    def delete(self, resource_id: str) -> None:
        """Delete a vpc-, subnet-, vgw-, cgw-, vpn- or vpce- resource by id."""
        prefix = resource_id.split("-", 1)[0]
        if prefix == "vpce":  # DeleteVpcEndpoints takes a list and answers failures in `Unsuccessful`
            with aws_errors("DeleteVpcEndpoints", resource_id):
                out = self._c.delete_vpc_endpoints(VpcEndpointIds=[resource_id])
            failed = out.get("Unsuccessful") or []
            if failed:
                from multicloud_ctl.errors import ProviderError

                error = failed[0].get("Error") or {}
                raise ProviderError(
                    f"DeleteVpcEndpoints {resource_id}: {error.get('Code')}: {error.get('Message')}",
                    provider="aws",
                    operation="DeleteVpcEndpoints",
                )
            return
        operation, arg = DELETES[prefix]
        with aws_errors(operation, resource_id):
            getattr(self._c, _snake(operation))(**{arg: resource_id})


DELETES = {
    "vpc": ("DeleteVpc", "VpcId"),
    "subnet": ("DeleteSubnet", "SubnetId"),
    "vgw": ("DeleteVpnGateway", "VpnGatewayId"),
    "cgw": ("DeleteCustomerGateway", "CustomerGatewayId"),
    "vpn": ("DeleteVpnConnection", "VpnConnectionId"),
}


def _names(found: list[dict[str, Any]], id_key: str, ids: list[str]) -> list[str]:
    by_id = {str(f[id_key]): _tags(f.get("Tags")).get("Name", str(f[id_key])) for f in found}
    return [by_id.get(i, i) for i in ids]


def without_keys(connection: dict[str, Any]) -> dict[str, Any]:
    """A VPN connection description with its pre-shared keys and its configuration document removed."""
    out = {k: v for k, v in connection.items() if k != "CustomerGatewayConfiguration"}
    options = dict(out.get("Options") or {})
    options["TunnelOptions"] = [
        {k: v for k, v in t.items() if k != "PreSharedKey"} for t in options.get("TunnelOptions") or []
    ]
    out["Options"] = options
    return out


def _snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
