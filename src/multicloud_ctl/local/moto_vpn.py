"""moto's site-to-site VPN made as strict as EC2 (loaded by `local/moto_strict.py` before moto's server starts).

moto 5.2 stores a customer gateway or a VPN connection whatever the request says, ignores a connection's
`Options` and answers no `Options` and no `VgwTelemetry`, so a caller that reads the tunnels' outside addresses
(the Azure side needs them) sees nothing, and one that sends a pre-shared key EC2 refuses sees it accepted.
Here, as the EC2 API reference says:
- CreateCustomerGateway: `Type` must be `ipsec.1`; `BgpAsn` 1-2,147,483,647 (7224 is reserved in us-east-1,
  "Customer gateway options for your Site-to-Site VPN connection"); `IpAddress` an IPv4 address outside the
  private, loopback, link-local and multicast ranges.
- CreateVpnConnection: `Type` `ipsec.1`; the virtual private gateway must exist
  (`InvalidVpnGatewayID.NotFound`); at most two `TunnelOptions`; each `TunnelInsideCidr` a /30 inside
  169.254.0.0/16 and none of the reserved blocks (169.254.0.0/30 ... 169.254.5.0/30, 169.254.169.252/30), the
  two distinct; each `PreSharedKey` 8-64 characters of letters, digits, periods and underscores, not starting
  with zero ("VpnTunnelOptionsSpecification", EC2 API reference).
- The connection then answers `Options` (`StaticRoutesOnly`, `TunnelOptions` with `OutsideIpAddress`,
  `TunnelInsideCidr`, `PreSharedKey`, as DescribeVpnConnections does) and one `VgwTelemetry` per tunnel
  (status DOWN: there is no peer). Tunnel outside addresses come from the documentation range 198.51.100.0/24
  (RFC 5737), never a real host; an unspecified inside CIDR or key is generated as EC2 does.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Any

RESERVED_INSIDE = {f"169.254.{n}.0/30" for n in range(6)} | {"169.254.169.252/30"}
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")
# RFC 1918 private ranges, loopback, link-local, multicast: never a customer gateway's address
NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4")
)
_PSK = re.compile(r"^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$")


def psk_refusal(value: str) -> str | None:
    """Why EC2 refuses `value` as a tunnel's pre-shared key, or None."""
    if not _PSK.match(value):
        return (
            "The pre-shared key must be 8-64 characters of alphanumerics, periods and underscores, "
            "and cannot start with zero (0)."
        )
    return None


def inside_cidr_refusal(value: str) -> str | None:
    """Why EC2 refuses `value` as a tunnel inside CIDR, or None."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return f"The tunnel inside CIDR {value} is not a valid CIDR block."
    if net.version != 4 or net.prefixlen != 30 or not net.subnet_of(LINK_LOCAL):  # type: ignore[arg-type]
        return f"The tunnel inside CIDR {value} must be a /30 CIDR block from the 169.254.0.0/16 range."
    if value in RESERVED_INSIDE:
        return f"The tunnel inside CIDR {value} is reserved and cannot be used."
    return None


def tunnel_refusal(tunnels: list[dict[str, Any]]) -> str | None:
    """Why EC2 refuses these `TunnelOptions`, or None."""
    if len(tunnels) > 2:
        return "A VPN connection has two tunnels: at most 2 TunnelOptions can be specified."
    cidrs = [str(t["TunnelInsideCidr"]) for t in tunnels if t.get("TunnelInsideCidr")]
    for cidr in cidrs:
        if (why := inside_cidr_refusal(cidr)) is not None:
            return why
    if len(set(cidrs)) != len(cidrs):
        return "The tunnel inside CIDRs of a VPN connection must be unique."
    for t in tunnels:
        if t.get("PreSharedKey") is not None and (why := psk_refusal(str(t["PreSharedKey"]))) is not None:
            return why
    return None


def customer_gateway_refusal(gateway_type: str, ip: str, asn: Any) -> str | None:
    """Why EC2 refuses this CreateCustomerGateway, or None."""
    if gateway_type != "ipsec.1":
        return f"Invalid value '{gateway_type}' for type. Valid value: ipsec.1"
    try:
        address = ipaddress.ip_address(str(ip))
    except ValueError:
        return f"Invalid value '{ip}' for IpAddress: an IPv4 address is expected."
    if address.version != 4 or any(address in net for net in NOT_PUBLIC):
        return f"The customer gateway IP address '{ip}' is not a public IPv4 address."
    try:
        number = int(asn)
    except (TypeError, ValueError):
        return f"Invalid value '{asn}' for BgpAsn."
    if not 1 <= number <= 2_147_483_647 or number == 7224:
        return f"Invalid value '{asn}' for BgpAsn: 1-2147483647, and 7224 is reserved."
    return None


def _outside_ips() -> list[str]:
    first = secrets.randbelow(126) * 2 + 1
    return [f"198.51.100.{first}", f"198.51.100.{first + 1}"]


def _inside_cidr(taken: set[str]) -> str:
    while True:
        cidr = f"169.254.{secrets.randbelow(160) + 10}.{secrets.randbelow(64) * 4}/30"
        if cidr not in taken and inside_cidr_refusal(cidr) is None:
            return cidr


def _psk() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
    return "k" + "".join(secrets.choice(alphabet) for _ in range(31))


def make_vpn_strict() -> None:
    """Install the refusals and the tunnel answers described in the module docstring."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.customer_gateways import CustomerGatewayBackend
    from moto.ec2.responses.vpn_connections import VPNConnections

    if getattr(VPNConnections.create_vpn_connection, "_mcctl_strict", False):
        return

    class Invalid(EC2ClientError):
        def __init__(self, code: str, message: str) -> None:
            super().__init__(code, message)

    creating_cgw = CustomerGatewayBackend.create_customer_gateway
    creating_vpn = VPNConnections.create_vpn_connection

    def create_customer_gateway(self: Any, gateway_type: str, ip_address: str, bgp_asn: str, tags: Any = None) -> Any:
        why = customer_gateway_refusal(gateway_type, ip_address, bgp_asn)
        if why is not None:
            raise Invalid("InvalidParameterValue", why)
        return creating_cgw(self, gateway_type, ip_address, bgp_asn, tags)

    def create_vpn_connection(self: Any) -> Any:
        if self._get_param("Type") != "ipsec.1":
            raise Invalid("InvalidParameterValue", f"Invalid value '{self._get_param('Type')}' for type.")
        vgw_id = self._get_param("VpnGatewayId")
        if vgw_id and vgw_id not in self.ec2_backend.vpn_gateways:
            raise Invalid("InvalidVpnGatewayID.NotFound", f"The vpnGateway ID '{vgw_id}' does not exist")
        options = dict(self._get_param("Options") or {})
        sent = list(options.get("TunnelOptions") or [])
        if (why := tunnel_refusal(sent)) is not None:
            raise Invalid("InvalidParameterValue", why)
        result = creating_vpn(self)
        conn: Any = (getattr(result, "result", None) or {}).get("VpnConnection")
        if conn is None:
            conn = list(self.ec2_backend.vpn_connections.values())[-1]
        taken: set[str] = set()
        tunnels = []
        for i, outside in enumerate(_outside_ips()):
            spec = sent[i] if i < len(sent) else {}
            cidr = str(
                spec.get("TunnelInsideCidr") or _inside_cidr(taken | {str(s.get("TunnelInsideCidr")) for s in sent})
            )
            taken.add(cidr)
            tunnels.append(
                {
                    "OutsideIpAddress": outside,
                    "TunnelInsideCidr": cidr,
                    "PreSharedKey": spec.get("PreSharedKey") or _psk(),
                }
            )
        conn.options = {
            "StaticRoutesOnly": str(options.get("StaticRoutesOnly", False)).lower() == "true",
            "TunnelInsideIpVersion": "ipv4",
            "TunnelOptions": tunnels,
        }
        conn.vgw_telemetry = [
            {"OutsideIpAddress": t["OutsideIpAddress"], "Status": "DOWN", "AcceptedRouteCount": 0, "StatusMessage": ""}
            for t in tunnels
        ]
        return result

    create_vpn_connection._mcctl_strict = True  # type: ignore[attr-defined]
    CustomerGatewayBackend.create_customer_gateway = create_customer_gateway  # type: ignore[method-assign]
    VPNConnections.create_vpn_connection = create_vpn_connection  # type: ignore[method-assign]
