"""moto's VPC endpoints made as strict as EC2 (loaded by `local/moto_strict.py` before moto's server starts).

moto 5.2 creates a VPC endpoint for any service name and any type, keeps subnets on a gateway endpoint and route
tables on an interface one, takes two interface subnets in one zone, turns private DNS on in a VPC without DNS
hostnames, and ignores ModifyVpcEndpoint's `PrivateDnsEnabled`. Here, as EC2 does ("CreateVpcEndpoint",
"ModifyVpcEndpoint", EC2 API reference; "Gateway endpoints", "Access an AWS service using an interface VPC
endpoint", AWS PrivateLink guide):
- the service must be one DescribeVpcEndpointServices lists in the region (`InvalidServiceName`), and offer the
  requested type: gateway endpoints exist for S3 and DynamoDB only; DynamoDB has taken interface endpoints too
  since 2024 (moto's catalogue lists only its gateway);
- a gateway endpoint takes route tables of its VPC and no subnets or security groups; an interface endpoint takes
  subnets of its VPC, at most one per Availability Zone (`DuplicateSubnetsInSameZone`), and no route tables;
- private DNS (on by default for an interface endpoint of an AWS service) needs the VPC's `enableDnsSupport` and
  `enableDnsHostnames`, and only one endpoint per service in a VPC can have it (the private hosted zone's
  domain would conflict);
- ModifyVpcEndpoint applies `PrivateDnsEnabled` under the same rules, and refuses a subnet in a zone the endpoint
  already covers.
The error codes are EC2's (`InvalidParameter`, `InvalidServiceName`, `DuplicateSubnetsInSameZone`,
`InvalidRouteTableId.NotFound`, `InvalidSubnetID.NotFound`).
"""

from __future__ import annotations

from typing import Any

VALID_TYPES = ("Interface", "Gateway", "GatewayLoadBalancer", "Resource", "ServiceNetwork")
EXTRA_TYPES = {"dynamodb": {"Interface"}}  # what EC2 offers beyond moto's catalogue (service suffix -> types)


def _offered_types(backend: Any, region: str, service_name: str) -> set[str] | None:
    """The endpoint types the region offers for `service_name`, or None when it offers no such service."""
    catalogue = backend._collect_default_endpoint_services(backend.account_id, region)
    catalogue += [c.to_dict() for c in getattr(backend, "configurations", {}).values()]
    types: set[str] | None = None
    for entry in catalogue:
        if entry.get("ServiceName") == service_name:
            types = (types or set()) | {str(t.get("ServiceType")) for t in entry.get("ServiceType") or []}
    if types is not None:
        types |= EXTRA_TYPES.get(service_name.rsplit(".", 1)[-1], set())
    return types


def _dns_refusal(backend: Any, vpc_id: str, service_name: str, skip: str = "") -> str | None:
    vpc = backend.get_vpc(vpc_id)
    if not (getattr(vpc, "enable_dns_support", True) and getattr(vpc, "enable_dns_hostnames", False)):
        return (
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to "
            f"true for {vpc_id}"
        )
    for other in backend.vpc_end_points.values():
        if (
            other.id != skip
            and other.vpc_id == vpc_id
            and other.service_name == service_name
            and other.state != "deleted"
            and other.private_dns_enabled
            and str(other.vpc_endpoint_type or "").lower() == "interface"
        ):
            domain = ".".join(reversed(service_name.split(".")[1:])) + ".amazonaws.com"
            return (
                f"private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
                f"{domain} in the VPC {vpc_id}"
            )
    return None


def _zones_refusal(backend: Any, vpc_id: str, subnet_ids: list[str]) -> tuple[str, str] | None:
    zones: dict[str, str] = {}
    for subnet_id in subnet_ids:
        try:
            subnet = backend.get_subnet(subnet_id)
        except Exception:  # moto's InvalidSubnetIdError
            subnet = None
        if subnet is None or subnet.vpc_id != vpc_id:
            return "InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist in {vpc_id}"
        zone = subnet.availability_zone
        if zone in zones:
            return (
                "DuplicateSubnetsInSameZone",
                f"Found another VPC endpoint subnet in the availability zone of {subnet_id}. VPC endpoint subnets "
                "should be in different availability zones supported by the VPC endpoint service.",
            )
        zones[zone] = subnet_id
    return None


def _route_tables_refusal(backend: Any, vpc_id: str, table_ids: list[str]) -> str | None:
    for table_id in table_ids:
        table = backend.route_tables.get(table_id)
        if table is None or table.vpc_id != vpc_id:
            return f"The routeTable ID '{table_id}' does not exist in {vpc_id}"
    return None


def create_refusal(responses: Any) -> tuple[str, str] | None:
    """Why EC2 refuses this CreateVpcEndpoint request (code, message), or None."""
    backend, region = responses.ec2_backend, responses.region
    vpc_id = str(responses._get_param("VpcId") or "")
    service = str(responses._get_param("ServiceName") or "")
    kind = str(responses._get_param("VpcEndpointType") or "Gateway")
    subnets = list(responses._get_param("SubnetIds", []) or [])
    tables = list(responses._get_param("RouteTableIds", []) or [])
    groups = list(responses._get_param("SecurityGroupIds", []) or [])
    if kind not in VALID_TYPES:
        return "InvalidParameter", f"Invalid value '{kind}' for VpcEndpointType."
    if vpc_id not in backend.vpcs:
        return "InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist"
    offered = _offered_types(backend, region, service)
    if offered is None:
        return "InvalidServiceName", f"The Vpc Endpoint Service '{service}' does not exist"
    if kind not in offered:
        return "InvalidParameter", f"The Vpc Endpoint Service '{service}' does not support endpoint type {kind}."
    if kind == "Gateway":
        if subnets or groups:
            return "InvalidParameter", "Subnets and security groups cannot be specified for a gateway endpoint."
        why = _route_tables_refusal(backend, vpc_id, tables)
        return None if why is None else ("InvalidRouteTableId.NotFound", why)
    if tables:
        return "InvalidParameter", f"Route tables cannot be specified for a {kind} endpoint."
    zones = _zones_refusal(backend, vpc_id, subnets)
    if zones is not None:
        return zones
    dns = responses._get_param("PrivateDnsEnabled")
    if kind == "Interface" and str(dns if dns is not None else True).lower() == "true":
        why = _dns_refusal(backend, vpc_id, service)
        if why is not None:
            return "InvalidParameter", why
    return None


def modify_refusal(responses: Any) -> tuple[str, str] | None:
    """Why EC2 refuses this ModifyVpcEndpoint request (code, message), or None."""
    backend = responses.ec2_backend
    endpoint_id = str(responses._get_param("VpcEndpointId") or "")
    endpoint = backend.vpc_end_points.get(endpoint_id)
    if endpoint is None or endpoint.state == "deleted":
        return "InvalidVpcEndpointId.NotFound", f"The Vpc Endpoint Id '{endpoint_id}' does not exist"
    gateway = str(endpoint.vpc_endpoint_type or "Gateway").lower() == "gateway"
    add_subnets = list(responses._get_param("AddSubnetIds", []) or [])
    add_tables = list(responses._get_param("AddRouteTableIds", []) or [])
    if gateway and add_subnets:
        return "InvalidParameter", "Subnets cannot be added to a gateway endpoint."
    if not gateway and add_tables:
        return "InvalidParameter", "Route tables cannot be added to an interface endpoint."
    if add_tables and (why := _route_tables_refusal(backend, endpoint.vpc_id, add_tables)) is not None:
        return "InvalidRouteTableId.NotFound", why
    if add_subnets:
        removed = set(responses._get_param("RemoveSubnetIds", []) or [])
        kept = [s for s in endpoint.subnet_ids or [] if s not in removed]
        zones = _zones_refusal(backend, endpoint.vpc_id, kept + add_subnets)
        if zones is not None:
            return zones
    dns = responses._get_param("PrivateDnsEnabled")
    if dns is not None and str(dns).lower() == "true":
        if gateway:
            return "InvalidParameter", "Private DNS can only be enabled for an interface endpoint."
        why = _dns_refusal(backend, endpoint.vpc_id, endpoint.service_name, skip=endpoint.id)
        if why is not None:
            return "InvalidParameter", why
    return None


def make_endpoints_strict() -> None:
    """Install the refusals described in the module docstring (and ModifyVpcEndpoint's PrivateDnsEnabled)."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.vpcs import VPCs

    if getattr(VPCs.create_vpc_endpoint, "_mcctl_strict", False):
        return

    creating = VPCs.create_vpc_endpoint
    modifying = VPCs.modify_vpc_endpoint

    def create_vpc_endpoint(self: Any) -> Any:
        refused = create_refusal(self)
        if refused is not None:
            raise EC2ClientError(*refused)
        return creating(self)

    def modify_vpc_endpoint(self: Any) -> Any:
        refused = modify_refusal(self)
        if refused is not None:
            raise EC2ClientError(*refused)
        result = modifying(self)
        dns = self._get_param("PrivateDnsEnabled")
        if dns is not None:
            self.ec2_backend.vpc_end_points[self._get_param("VpcEndpointId")].private_dns_enabled = (
                str(dns).lower() == "true"
            )
        return result

    create_vpc_endpoint._mcctl_strict = True  # type: ignore[attr-defined]
    VPCs.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
    VPCs.modify_vpc_endpoint = modify_vpc_endpoint  # type: ignore[method-assign]
